// Package gormstore implements store.Store with gorm on PostgreSQL (the
// production store) and on an embedded SQLite file (pure Go, no cgo: the
// default, so that motcua runs with nothing installed). Both dialects apply
// the same versioned SQL migrations (embedded, applied by goose) and pass the
// same conformance suite (storetest).
package gormstore
