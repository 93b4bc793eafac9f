package domain

import "time"

// Reasons of a FailureError: stable UPPER_SNAKE codes, sent to clients as
// the google.rpc.ErrorInfo reason.
const (
	// ReasonStoreUnreachable: the database refused, dropped or could not
	// open a connection (stopped, restarting, network cut). UNAVAILABLE.
	ReasonStoreUnreachable = "STORE_UNREACHABLE"
	// ReasonStoreTimeout: the database did not answer within a bound
	// (statement or lock timeout, or the server's own per-call bound).
	// UNAVAILABLE.
	ReasonStoreTimeout = "STORE_TIMEOUT"
	// ReasonCallTimeout: the call did not finish within the server's own
	// bound on a call (usually waiting for the database). UNAVAILABLE.
	ReasonCallTimeout = "CALL_TIMEOUT"
	// ReasonStoreBusy: contention outlasted the retries (SQLite busy
	// timeout, repeated serialization failures, too many connections).
	// UNAVAILABLE.
	ReasonStoreBusy = "STORE_BUSY"
	// ReasonStoreReadOnly: the database accepts no writes (a standby, a
	// read-only setting, a read-only file). UNAVAILABLE: the request was
	// valid and may succeed elsewhere or later; the client cannot fix it.
	ReasonStoreReadOnly = "STORE_READ_ONLY"
	// ReasonStoreIO: the database reported an I/O error. UNAVAILABLE.
	ReasonStoreIO = "STORE_IO_ERROR"
	// ReasonStoreFull: the database's disk (or its size limit) is full.
	// RESOURCE_EXHAUSTED.
	ReasonStoreFull = "STORE_FULL"
	// ReasonTooManyStreams: too many long-running streams of this kind are
	// open. RESOURCE_EXHAUSTED.
	ReasonTooManyStreams = "TOO_MANY_STREAMS"
)

// FailureError is a failure outside the request: the storage or the server
// cannot do the work now. It is Kind (ErrUnavailable or
// ErrResourceExhausted) for errors.Is. Description is safe to show to
// clients; Cause (the driver's error) is for the log only. RetryAfter, when
// set, is the suggested delay before retrying: every mutating request
// carries a request id, so a retry with the same id is always safe.
type FailureError struct {
	Kind        error
	Reason      string
	Description string
	RetryAfter  time.Duration
	Cause       error
}

func (e *FailureError) Error() string {
	if e.Cause == nil {
		return e.Description
	}
	return e.Description + ": " + e.Cause.Error()
}

// Is matches the Kind sentinel.
func (e *FailureError) Is(target error) bool { return target == e.Kind }

// Unwrap returns the cause, so that callers can still recognise the
// driver's error (retry decisions in the store).
func (e *FailureError) Unwrap() error { return e.Cause }

// Unavailable returns a FailureError of kind ErrUnavailable.
func Unavailable(reason, description string, retryAfter time.Duration, cause error) *FailureError {
	return &FailureError{Kind: ErrUnavailable, Reason: reason, Description: description, RetryAfter: retryAfter, Cause: cause}
}

// Exhausted returns a FailureError of kind ErrResourceExhausted.
func Exhausted(reason, description string, retryAfter time.Duration, cause error) *FailureError {
	return &FailureError{Kind: ErrResourceExhausted, Reason: reason, Description: description, RetryAfter: retryAfter, Cause: cause}
}
