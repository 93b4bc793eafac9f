package domain

// DeniedError refuses a request the principal may make, because of what one
// of its fields claims (a clerk declaring a payment "online"); it is
// ErrPermissionDenied and names the field and a stable reason.
type DeniedError struct {
	Reason      string // UPPER_SNAKE, e.g. "ONLINE_PAYMENT_NEEDS_PROVIDER"
	Field       string // the request field, e.g. "online"
	Description string
}

func (e *DeniedError) Error() string        { return "permission denied: " + e.Field + ": " + e.Description }
func (e *DeniedError) Is(target error) bool { return target == ErrPermissionDenied }
