package cli

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

// parseEnum reads an enum value by name, case-insensitively, with or without
// its type prefix ("counter", "CHANNEL_COUNTER", "staff-on-behalf").
func parseEnum(flag string, d protoreflect.EnumDescriptor, s string) (protoreflect.EnumNumber, error) {
	vals := d.Values()
	prefix := ""
	if zero := vals.ByNumber(0); zero != nil {
		prefix = strings.TrimSuffix(string(zero.Name()), "UNSPECIFIED")
	}
	want := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "_"))
	var names []string
	for i := 0; i < vals.Len(); i++ {
		v := vals.Get(i)
		if v.Number() == 0 {
			continue
		}
		name := string(v.Name())
		short := strings.TrimPrefix(name, prefix)
		if want == name || want == short {
			return v.Number(), nil
		}
		names = append(names, strings.ToLower(short))
	}
	return 0, usageError{fmt.Errorf("--%s: %q is not one of %s", flag, s, strings.Join(names, ", "))}
}

func parseChannel(flag, s string) (pb.Channel, error) {
	if s == "" {
		return pb.Channel_CHANNEL_UNSPECIFIED, nil
	}
	n, err := parseEnum(flag, pb.Channel(0).Descriptor(), s)
	return pb.Channel(n), err
}

var (
	uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	sha256Hex   = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// isUUID reports whether s is a dossier id rather than a dossier code.
func isUUID(s string) bool { return uuidPattern.MatchString(s) }

// parseComponent reads CODE=SOURCE[:FILE_REF[:SHA256]]; for the reused
// sources the part after FILE_REF is REUSED_FROM instead, optionally
// followed by the file's SHA256: CODE=reused:[FILE_REF]:REUSED_FROM[:SHA256].
// FILE_REF may itself contain colons (a URL): the trailing parts are
// recognised from the right.
func parseComponent(flag, s string) (*pb.DossierComponent, error) {
	bad := func(format string, args ...any) error {
		return usageError{fmt.Errorf("--%s %q: %s", flag, s, fmt.Sprintf(format, args...))}
	}
	code, rest, ok := strings.Cut(s, "=")
	if !ok || code == "" || rest == "" {
		return nil, bad("want CODE=SOURCE[:FILE_REF[:SHA256]], e.g. TK-LLTP=uploaded:files/tk.pdf:<sha256>, CCCD=paper, CCCD=reused::dossier:<dossier code>/CCCD")
	}
	srcName, tail, hasTail := strings.Cut(rest, ":")
	n, err := parseEnum(flag+" source", pb.ComponentSource(0).Descriptor(), srcName)
	if err != nil {
		return nil, bad("source %q is not paper, uploaded, digitised, reused or reused_result", srcName)
	}
	c := &pb.DossierComponent{Code: strings.TrimSpace(code), Source: pb.ComponentSource(n)}
	if !hasTail {
		if c.Source == pb.ComponentSource_COMPONENT_SOURCE_REUSED || c.Source == pb.ComponentSource_COMPONENT_SOURCE_REUSED_RESULT {
			return nil, bad("a reused component needs where it came from: CODE=%s:[FILE_REF]:REUSED_FROM", strings.ToLower(srcName))
		}
		return c, nil
	}
	parts := strings.Split(tail, ":")
	switch c.Source {
	case pb.ComponentSource_COMPONENT_SOURCE_REUSED, pb.ComponentSource_COMPONENT_SOURCE_REUSED_RESULT:
		if len(parts) < 2 {
			return nil, bad("a reused component takes REUSED_FROM as the third part: CODE=%s:[FILE_REF]:REUSED_FROM[:SHA256]", strings.ToLower(srcName))
		}
		if len(parts) >= 3 && sha256Hex.MatchString(parts[len(parts)-1]) {
			c.FileSha256, parts = parts[len(parts)-1], parts[:len(parts)-1]
		}
		if parts[0] == "" {
			// No FILE_REF: the rest is the reference, colons and all
			// (dossier:<code>/<component>, result:…, csdlqg-dan-cu:…).
			c.ReusedFrom = strings.Join(parts[1:], ":")
			break
		}
		c.ReusedFrom = parts[len(parts)-1]
		c.FileRef = strings.Join(parts[:len(parts)-1], ":")
	default:
		if len(parts) >= 2 && sha256Hex.MatchString(parts[len(parts)-1]) {
			c.FileSha256, parts = parts[len(parts)-1], parts[:len(parts)-1]
		}
		c.FileRef = strings.Join(parts, ":")
	}
	return c, nil
}

// parseDocument reads a result document CODE=NAME[:FILE_REF[:SHA256]].
func parseDocument(flag, s string) (*pb.ResultDocument, error) {
	code, rest, ok := strings.Cut(s, "=")
	if !ok || code == "" || rest == "" {
		return nil, usageError{fmt.Errorf("--%s %q: want CODE=NAME[:FILE_REF[:SHA256]]", flag, s)}
	}
	parts := strings.Split(rest, ":")
	d := &pb.ResultDocument{Code: strings.TrimSpace(code), Name: strings.TrimSpace(parts[0])}
	parts = parts[1:]
	if len(parts) >= 2 && sha256Hex.MatchString(parts[len(parts)-1]) {
		d.FileSha256, parts = parts[len(parts)-1], parts[:len(parts)-1]
	}
	d.FileRef = strings.Join(parts, ":")
	return d, nil
}

// localLayouts are the local-time forms accepted for a time, read in
// Asia/Ho_Chi_Minh.
var localLayouts = []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "02/01/2006 15:04"}

// parseTime reads "2026-03-02 16:00" (local time in Vietnam), "02/01/2006
// 15:04", or RFC 3339.
func parseTime(flag, s string) (*timestamppb.Timestamp, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return timestamppb.New(t), nil
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, vietnam); err == nil {
			return timestamppb.New(t), nil
		}
	}
	return nil, usageError{fmt.Errorf(`--%s %q: want "2026-03-02 16:00" (Vietnam time), "02/03/2026 16:00" or RFC 3339`, flag, s)}
}

// parseDate reads a date "2026-03-02" as the start of that day in Vietnam.
func parseDate(flag, s string) (*timestamppb.Timestamp, error) {
	if t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), vietnam); err == nil {
		return timestamppb.New(t), nil
	}
	return parseTime(flag, s)
}

// parseDayKind reads off|work (and a few synonyms).
func parseDayKind(s string) (pb.DayKind, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "day_off", "day-off", "holiday", "nghỉ", "nghi":
		return pb.DayKind_DAY_KIND_DAY_OFF, true
	case "work", "working", "working_day", "working-day", "workday", "làm bù", "lam bu":
		return pb.DayKind_DAY_KIND_WORKING_DAY, true
	}
	return 0, false
}

// parseDay reads "2026-02-16=off:Tết Nguyên đán".
func parseDay(s string) (*pb.SpecialDay, error) {
	date, rest, ok := strings.Cut(s, "=")
	kindName, name, ok2 := strings.Cut(rest, ":")
	kind, ok3 := parseDayKind(kindName)
	if !ok || !ok2 || !ok3 || strings.TrimSpace(name) == "" {
		return nil, usageError{fmt.Errorf(`--day %q: want DATE=off:NAME or DATE=work:NAME, e.g. "2026-02-16=off:Tết Nguyên đán"`, s)}
	}
	return &pb.SpecialDay{Date: strings.TrimSpace(date), Kind: kind, Name: strings.TrimSpace(name)}, nil
}

// readDays reads CSV lines "date,off|work,name"; blank lines, lines starting
// with # and a header line "date,…" are skipped. A name may contain commas
// if quoted (or as extra fields, which are joined back).
func readDays(r io.Reader, file string) ([]*pb.SpecialDay, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	var out []*pb.SpecialDay
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, usageError{fmt.Errorf("--file %s: %w", file, err)}
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(out) == 0 && strings.EqualFold(strings.TrimSpace(rec[0]), "date") {
			continue
		}
		if len(rec) < 3 {
			return nil, usageError{fmt.Errorf("--file %s line %d: want date,off|work,name", file, line)}
		}
		kind, ok := parseDayKind(rec[1])
		if !ok {
			return nil, usageError{fmt.Errorf("--file %s line %d: %q is neither off nor work", file, line, rec[1])}
		}
		name := strings.TrimSpace(strings.Join(rec[2:], ","))
		out = append(out, &pb.SpecialDay{Date: strings.TrimSpace(rec[0]), Kind: kind, Name: name})
	}
}
