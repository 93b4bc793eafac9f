package gormstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

// UseTracing makes every statement gorm runs a client span of tp, a child
// of the calling request's span, with the statement's text but never its
// arguments (they hold personal data).
//
// It is these few callbacks rather than gorm.io/plugin/opentelemetry
// because that plugin links the MySQL and ClickHouse drivers into the
// binary to name the database system.
func (s *Store) UseTracing(tp trace.TracerProvider) error {
	tracer := tp.Tracer("github.com/motcua/motcua/internal/store/gormstore")
	s.tracer = tracer
	system := attribute.String("db.system.name", map[string]string{Postgres: "postgresql", SQLite: "sqlite"}[s.dialect])
	before := func(op string) func(*gorm.DB) {
		return func(tx *gorm.DB) {
			ctx, _ := tracer.Start(tx.Statement.Context, op, trace.WithSpanKind(trace.SpanKindClient),
				trace.WithAttributes(system))
			tx.Statement.Context = spanContext{Context: ctx, parent: tx.Statement.Context}
		}
	}
	after := func(tx *gorm.DB) {
		c, ok := tx.Statement.Context.(spanContext)
		if !ok {
			return
		}
		tx.Statement.Context = c.parent
		span := trace.SpanFromContext(c.Context)
		defer span.End()
		if !span.IsRecording() {
			return
		}
		q := tx.Statement.SQL.String()
		op, _, _ := strings.Cut(strings.TrimSpace(q), " ")
		attrs := []attribute.KeyValue{attribute.String("db.query.text", q), attribute.String("db.operation.name", strings.ToUpper(op))}
		if tx.Statement.Table != "" {
			attrs = append(attrs, attribute.String("db.collection.name", tx.Statement.Table))
			span.SetName(strings.ToUpper(op) + " " + tx.Statement.Table)
		}
		if tx.Statement.RowsAffected >= 0 {
			attrs = append(attrs, attribute.Int64("db.response.affected_rows", tx.Statement.RowsAffected))
		}
		span.SetAttributes(attrs...)
		if tx.Error != nil && !errors.Is(tx.Error, gorm.ErrRecordNotFound) {
			span.RecordError(tx.Error)
			span.SetStatus(codes.Error, tx.Error.Error())
		}
	}
	dbs := []*gorm.DB{s.db}
	if s.router != nil {
		for _, rep := range s.router.replicas {
			dbs = append(dbs, rep.db) // a replica's reads are the call's children too
		}
	}
	for _, db := range dbs {
		if err := registerTracing(db, before, after); err != nil {
			return err
		}
	}
	return nil
}

func registerTracing(db *gorm.DB, before func(op string) func(*gorm.DB), after func(*gorm.DB)) error {
	cb := db.Callback()
	type registrar interface {
		Register(name string, fn func(*gorm.DB)) error
	}
	hooks := []struct {
		op            string
		before, after registrar
	}{
		{"gorm.Create", cb.Create().Before("gorm:create"), cb.Create().After("gorm:create")},
		{"gorm.Query", cb.Query().Before("gorm:query"), cb.Query().After("gorm:query")},
		{"gorm.Update", cb.Update().Before("gorm:update"), cb.Update().After("gorm:update")},
		{"gorm.Delete", cb.Delete().Before("gorm:delete"), cb.Delete().After("gorm:delete")},
		{"gorm.Row", cb.Row().Before("gorm:row"), cb.Row().After("gorm:row")},
		{"gorm.Raw", cb.Raw().Before("gorm:raw"), cb.Raw().After("gorm:raw")},
	}
	for _, h := range hooks {
		if err := h.before.Register("motcua:trace_before_"+h.op, before(h.op)); err != nil {
			return fmt.Errorf("trace %s: %w", h.op, err)
		}
		if err := h.after.Register("motcua:trace_after_"+h.op, after); err != nil {
			return fmt.Errorf("trace %s: %w", h.op, err)
		}
	}
	return nil
}

// spanContext carries a statement's span and the context it replaced.
type spanContext struct {
	context.Context
	parent context.Context
}
