package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels shared by every layer. The service layer maps them to gRPC codes
// in one place; callers test them with errors.Is.
var (
	// ErrInvalid: the input is malformed (INVALID_ARGUMENT).
	ErrInvalid = errors.New("invalid argument")
	// ErrNotFound: the thing does not exist, or the caller may not know it does (NOT_FOUND).
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a thing with that key exists (ALREADY_EXISTS).
	ErrAlreadyExists = errors.New("already exists")
	// ErrVersionConflict: expected_version is not the current version (ABORTED).
	ErrVersionConflict = errors.New("version conflict")
	// ErrRequestReused: a request_id was reused for a different request (ALREADY_EXISTS).
	ErrRequestReused = errors.New("request id reused")
	// ErrFailedPrecondition: the state does not allow the action (FAILED_PRECONDITION).
	ErrFailedPrecondition = errors.New("failed precondition")
	// ErrPermissionDenied: the principal may not do this (PERMISSION_DENIED).
	ErrPermissionDenied = errors.New("permission denied")
	// ErrUnauthenticated: no valid credentials (UNAUTHENTICATED).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrUnavailable: the service cannot serve now, e.g. schema behind (UNAVAILABLE).
	ErrUnavailable = errors.New("unavailable")
	// ErrResourceExhausted: storage is full, or a limit on concurrent work
	// was reached (RESOURCE_EXHAUSTED). See FailureError.
	ErrResourceExhausted = errors.New("resource exhausted")
)

// FieldViolation names one bad field of a request, by its API path
// ("dossier.applicant.id_number").
type FieldViolation struct {
	Field       string
	Description string
}

// InvalidError lists every field violation found; it is ErrInvalid.
type InvalidError struct{ Violations []FieldViolation }

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + ": " + v.Description
	}
	return "invalid argument: " + strings.Join(parts, "; ")
}

func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// Violations collects field violations; Err returns nil when there are none.
type Violations []FieldViolation

// Add records a violation.
func (v *Violations) Add(field, format string, args ...any) {
	*v = append(*v, FieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

// Err returns an *InvalidError holding the violations, or nil.
func (v Violations) Err() error {
	if len(v) == 0 {
		return nil
	}
	return &InvalidError{Violations: v}
}

// Invalid returns an error with a single field violation.
func Invalid(field, format string, args ...any) error {
	var v Violations
	v.Add(field, format, args...)
	return v.Err()
}

// NotFoundError says which thing was not found; it is ErrNotFound.
type NotFoundError struct {
	Kind string // "agency", "procedure", "dossier"
	Key  string
}

func (e *NotFoundError) Error() string        { return fmt.Sprintf("%s %q not found", e.Kind, e.Key) }
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// NotFound returns a *NotFoundError.
func NotFound(kind, key string) error { return &NotFoundError{Kind: kind, Key: key} }

// AlreadyExistsError says which thing exists; it is ErrAlreadyExists.
type AlreadyExistsError struct {
	Kind string
	Key  string
}

func (e *AlreadyExistsError) Error() string {
	return fmt.Sprintf("%s %q already exists", e.Kind, e.Key)
}
func (e *AlreadyExistsError) Is(target error) bool { return target == ErrAlreadyExists }

// ConflictError reports the current version after a stale expected_version;
// it is ErrVersionConflict.
type ConflictError struct {
	Expected int64
	Current  int64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("dossier changed: expected version %d, current version is %d; reload and retry", e.Expected, e.Current)
}
func (e *ConflictError) Is(target error) bool { return target == ErrVersionConflict }

// PreconditionError says why the current state forbids the request; it is
// ErrFailedPrecondition. Reason is a stable UPPER_SNAKE code for programs.
type PreconditionError struct {
	Reason      string // e.g. "ACTION_NOT_ALLOWED_IN_STATUS"
	Subject     string // what the condition is about, e.g. "dossier/<id>"
	Description string
	Metadata    map[string]string
}

func (e *PreconditionError) Error() string        { return e.Description }
func (e *PreconditionError) Is(target error) bool { return target == ErrFailedPrecondition }
