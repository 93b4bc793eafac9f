package gormstore

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// GetRequest implements store.Requests.
func (s *Store) GetRequest(ctx context.Context, principal, requestID string) (*store.RequestRecord, error) {
	var row requestRow
	err := s.conn(ctx).Where("principal = ? AND request_id = ?", principal, requestID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.NotFound("request", requestID)
	}
	if err != nil {
		return nil, err
	}
	return &store.RequestRecord{Principal: row.Principal, RequestID: row.RequestID, Method: row.Method,
		RequestHash: row.RequestHash, Response: row.Response, CreatedAt: row.CreatedAt.UTC()}, nil
}

// SaveRequest implements store.Requests.
func (s *Store) SaveRequest(ctx context.Context, r *store.RequestRecord) error {
	if w := deferred(ctx); w != nil { // deferred.go
		addRequest(w, r)
		return nil
	}
	err := s.conn(ctx).Create(&requestRow{Principal: r.Principal, RequestID: r.RequestID, Method: r.Method,
		RequestHash: r.RequestHash, Response: r.Response, CreatedAt: requiredDBTime(r.CreatedAt)}).Error
	if isUniqueViolation(err) {
		return &domain.AlreadyExistsError{Kind: "request", Key: r.RequestID}
	}
	return err
}
