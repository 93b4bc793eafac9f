package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks (https://www.standardwebhooks.com): every delivery
// carries webhook-id (the CloudEvent's id: the dossier event id, the same on
// every retry, so receivers deduplicate by it), webhook-timestamp (Unix
// seconds of this attempt) and webhook-signature, a space-separated list of
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>", one per live secret.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"

	secretPrefix = "whsec_"
	// Tolerance is how far a timestamp may be from the receiver's clock
	// before Verify refuses it (replay protection).
	Tolerance = 5 * time.Minute
)

// NewSecret returns a fresh signing secret, "whsec_" and 32 random bytes in
// base64.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails (Go ≥ 1.24)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// secretKey decodes a "whsec_…" secret.
func secretKey(secret string) ([]byte, error) {
	raw, ok := strings.CutPrefix(secret, secretPrefix)
	if !ok {
		return nil, errors.New(`a webhook secret starts with "whsec_"`)
	}
	k, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(k) < 16 {
		return nil, errors.New("a webhook secret is whsec_ and at least 16 bytes in base64")
	}
	return k, nil
}

// Sign returns "v1,<signature>" of a message under one secret.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	k, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(k, id, ts.Unix(), body)), nil
}

func mac(key []byte, id string, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "."))
	m.Write(body)
	return m.Sum(nil)
}

// Headers returns the three headers of a delivery signed with every secret.
func Headers(secrets []string, id string, ts time.Time, body []byte) (http.Header, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sig, err := Sign(s, id, ts, body)
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, sig)
	}
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, strings.Join(sigs, " "))
	return h, nil
}

// ErrSignature is a delivery that does not verify.
var ErrSignature = errors.New("webhook signature does not verify")

// Verify checks a received delivery against a secret: the timestamp is
// within Tolerance of now and one of the v1 signatures matches (compared
// in constant time). It is what a subscriber runs (docs/webhooks.md).
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	k, err := secretKey(secret)
	if err != nil {
		return err
	}
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return fmt.Errorf("%w: missing %s, %s or %s", ErrSignature, HeaderID, HeaderTimestamp, HeaderSignature)
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: bad timestamp", ErrSignature)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > Tolerance || d < -Tolerance {
		return fmt.Errorf("%w: timestamp %s is too far from now", ErrSignature, tsText)
	}
	want := mac(k, id, ts, body)
	for _, s := range strings.Fields(sigs) {
		v, sig, ok := strings.Cut(s, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrSignature
}
