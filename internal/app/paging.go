package app

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// MaxPageSize bounds every list.
const MaxPageSize = 1000

func pageSizeOr(n, def int) int {
	if n <= 0 {
		return def
	}
	if n > MaxPageSize {
		return MaxPageSize
	}
	return n
}

// A page token carries the keyset position and a fingerprint of the filters
// it was issued for, so a token cannot be replayed against other filters.
type pageToken struct {
	After  string `json:"a"`
	Filter string `json:"f"`
}

func fingerprint(filter any) string {
	b, _ := json.Marshal(filter)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func encodePageToken(after string, filter any) string {
	b, _ := json.Marshal(pageToken{After: after, Filter: fingerprint(filter)})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodePageToken(token string, filter any) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	var t pageToken
	if err != nil || json.Unmarshal(b, &t) != nil || t.After == "" {
		return "", errPageToken()
	}
	if t.Filter != fingerprint(filter) {
		return "", domain.Invalid("page_token", "was issued for different filters; repeat the first request's filters or start without a token")
	}
	return t.After, nil
}

// keysetPage fetches one page after the token's position: it asks fetch for
// one item more than the page to learn whether another page follows, and
// returns a token holding the last item's key (and the filter's
// fingerprint, so the token cannot be replayed with other filters).
func keysetPage[T any](filter any, pageSize, defaultSize int, token string,
	fetch func(after string, limit int) ([]T, error), key func(*T) string) ([]T, string, error) {
	after, err := decodePageToken(token, filter)
	if err != nil {
		return nil, "", err
	}
	size := pageSizeOr(pageSize, defaultSize)
	page, err := fetch(after, size+1)
	if err != nil || len(page) <= size {
		return page, "", err
	}
	page = page[:size]
	return page, encodePageToken(key(&page[size-1]), filter), nil
}

// errPageToken refuses a page token this server did not issue. The
// filters' fingerprint in a token is not a secret, so its position is
// checked too: a forged one must not reach the database (on PostgreSQL a
// malformed id fails the query as a server error).
func errPageToken() error {
	return domain.Invalid("page_token", "not a page token issued by this server")
}

// dossierIDPattern is a dossier id as the server writes it.
var dossierIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// timedPosition reads a position "<time RFC 3339 nano>|<dossier id>"; the
// time may be empty where emptyTime (it is then the zero time).
func timedPosition(after string, emptyTime bool) (time.Time, string, error) {
	at, id, ok := strings.Cut(after, "|")
	var t time.Time
	var err error
	if at != "" || !emptyTime {
		t, err = time.Parse(time.RFC3339Nano, at)
	}
	if !ok || err != nil || !dossierIDPattern.MatchString(id) {
		return time.Time{}, "", errPageToken()
	}
	return t, id, nil
}
