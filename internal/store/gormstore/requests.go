package gormstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// GetRequest implements store.Requests. Every mutation makes it first:
// one row by its key, scanned without gorm's statement building and
// reflection.
func (s *Store) GetRequest(ctx context.Context, principal, requestID string) (*store.RequestRecord, error) {
	r := store.RequestRecord{Principal: principal, RequestID: requestID}
	err := s.conn(ctx).Raw("SELECT method, request_hash, response, created_at FROM requests WHERE principal = ? AND request_id = ?",
		principal, requestID).Row().Scan(&r.Method, &r.RequestHash, &r.Response, &r.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("request", requestID)
	}
	if err != nil {
		return nil, classify(err) // a Row's error comes with its Scan, after gorm's callbacks
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}

// SaveRequest implements store.Requests.
func (s *Store) SaveRequest(ctx context.Context, r *store.RequestRecord) error {
	if ok, err := deferRow(ctx, func() ([]any, error) { return requestValues(r) }, (*deferredWrites).addRequest); ok {
		return err // deferred.go
	}
	err := s.conn(ctx).Create(&requestRow{Principal: r.Principal, RequestID: r.RequestID, Method: r.Method,
		RequestHash: r.RequestHash, Response: r.Response, CreatedAt: requiredDBTime(r.CreatedAt)}).Error
	if isUniqueViolation(err) {
		return &domain.AlreadyExistsError{Kind: "request", Key: r.RequestID}
	}
	return err
}
