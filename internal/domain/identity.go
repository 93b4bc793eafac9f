package domain

import (
	"fmt"
	"regexp"
	"strings"
)

// provinceCodes are the first three digits of a citizen identity number: the
// province of birth registration (Circular 07/2016/TT-BCA, 63 provinces; the
// numbers stay valid after the 2025 province mergers).
var provinceCodes = map[string]bool{}

func init() {
	for _, c := range strings.Fields(`001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027
		030 031 033 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068
		070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096`) {
		provinceCodes[c] = true
	}
}

var (
	twelveDigits   = regexp.MustCompile(`^[0-9]{12}$`)
	enterpriseCode = regexp.MustCompile(`^([0-9]{10})(-[0-9]{3})?$`)
	otherCode      = regexp.MustCompile(`^[0-9A-Za-z.-]{1,32}$`)
)

// ValidateIDNumber checks an identity number for the kind of applicant and
// returns what is wrong with it, or "".
//
// A citizen identity number (căn cước) has 12 digits: a province code, a
// digit for century and sex (0–3 for people born in the 20th and 21st
// centuries), two digits of the birth year and six random digits. An
// enterprise code (mã số doanh nghiệp) is the 10-digit tax code, whose last
// digit is a check digit, optionally followed by a 3-digit branch suffix.
func ValidateIDNumber(kind ApplicantKind, id string) string {
	switch kind {
	case ApplicantCitizen:
		if !twelveDigits.MatchString(id) {
			return "a citizen identity number has exactly 12 digits"
		}
		if !provinceCodes[id[:3]] {
			return fmt.Sprintf("%q is not a province code (the first 3 digits of a citizen identity number)", id[:3])
		}
		if id[3] > '3' {
			return fmt.Sprintf("the 4th digit (century and sex) must be 0–3, not %c", id[3])
		}
	case ApplicantEnterprise:
		m := enterpriseCode.FindStringSubmatch(id)
		if m == nil {
			return "an enterprise code has 10 digits, optionally followed by a branch suffix like -001"
		}
		if !taxCodeCheckDigitOK(m[1]) {
			return "the check digit (10th digit) of the enterprise code is wrong"
		}
	case ApplicantAgency, ApplicantOrganisation:
		if !otherCode.MatchString(id) {
			return "use letters, digits, dots and hyphens, at most 32"
		}
	default:
		return "unknown applicant kind"
	}
	return ""
}

// taxCodeCheckDigitOK verifies the 10th digit of a Vietnamese tax code:
// 10 − (Σ wᵢ·dᵢ mod 11) with weights 31 29 23 19 17 13 7 5 3.
func taxCodeCheckDigitOK(code string) bool {
	weights := [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3}
	sum := 0
	for i, w := range weights {
		sum += w * int(code[i]-'0')
	}
	check := 10 - sum%11
	return check <= 9 && int(code[9]-'0') == check
}
