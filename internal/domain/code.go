package domain

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// DossierCode formats a dossier code: <agency code>-<YYMMDD>-<sequence>, the
// sequence zero-padded to at least four digits (Circular 01/2018 Art. 19;
// Circular 03/2025 Art. 13 allows more digits). day must be in the agency's
// time zone.
func DossierCode(agencyCode string, day time.Time, seq int64) string {
	return fmt.Sprintf("%s-%s-%04d", agencyCode, day.Format("060102"), seq)
}

// CodeDay is the per-agency sequence key for a local day: "YYMMDD".
func CodeDay(day time.Time) string { return day.Format("060102") }

var codePattern = regexp.MustCompile(`^([0-9A-Z]{1,5}(?:\.[0-9A-Z]{1,5}){0,5})-([0-9]{6})-([0-9]{4,})$`)

// ParseDossierCode splits a dossier code into agency code, day ("YYMMDD") and
// sequence.
func ParseDossierCode(code string) (agency, day string, seq int64, err error) {
	m := codePattern.FindStringSubmatch(code)
	if m == nil {
		return "", "", 0, fmt.Errorf("%q is not a dossier code (<agency code>-<YYMMDD>-<sequence>)", code)
	}
	if _, err := time.Parse("060102", m[2]); err != nil {
		return "", "", 0, fmt.Errorf("%q has no valid date: %w", code, err)
	}
	seq, err = strconv.ParseInt(m[3], 10, 64)
	if err != nil || seq < 1 {
		return "", "", 0, fmt.Errorf("%q has no valid sequence", code)
	}
	return m[1], m[2], seq, nil
}
