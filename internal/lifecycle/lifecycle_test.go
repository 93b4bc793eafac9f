package lifecycle

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/domain"
)

// TestTableMatchesDocs checks every (status, action) pair — including the
// dossier that does not exist yet — against the table in docs/lifecycle.md,
// so the documentation and the code cannot drift apart.
func TestTableMatchesDocs(t *testing.T) {
	b, err := os.ReadFile("../../docs/lifecycle.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	begin, end := strings.Index(doc, "<!-- transitions:begin -->"), strings.Index(doc, "<!-- transitions:end -->")
	if begin < 0 || end < begin {
		t.Fatal("transition table markers not found in docs/lifecycle.md")
	}
	lines := strings.Split(strings.TrimSpace(doc[begin+len("<!-- transitions:begin -->"):end]), "\n")
	cells := func(line string) []string {
		parts := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	}
	header := cells(lines[0])[1:]
	if len(header) != len(domain.Actions) {
		t.Fatalf("table has %d actions, code has %d", len(header), len(domain.Actions))
	}
	for i, a := range domain.Actions {
		if header[i] != a.String() {
			t.Fatalf("column %d is %s, want %s", i, header[i], a)
		}
	}
	from := append([]domain.Status{Creation}, domain.Statuses...)
	rows := lines[2:]
	if len(rows) != len(from) {
		t.Fatalf("table has %d rows, want %d", len(rows), len(from))
	}
	checked := 0
	for r, st := range from {
		c := cells(rows[r])
		name := st.String()
		if st == Creation {
			name = "—"
		}
		if c[0] != name {
			t.Fatalf("row %d is %q, want %q", r, c[0], name)
		}
		for i, a := range domain.Actions {
			want := c[i+1]
			const resumeTo = domain.StatusProcessing
			got, err := Next(st, a, resumeTo)
			switch {
			case want == "":
				var pe *domain.PreconditionError
				if !errors.As(err, &pe) || pe.Reason != "ACTION_NOT_ALLOWED_IN_STATUS" || pe.Metadata["action"] != a.String() {
					t.Errorf("%s × %s: docs forbid it, code gives %v %v", name, a, got, err)
				}
				if Allowed(st, a) {
					t.Errorf("%s × %s: Allowed disagrees with Next", name, a)
				}
			case want == "resume":
				if err != nil || got != resumeTo {
					t.Errorf("%s × %s: docs resume, code gives %v %v", name, a, got, err)
				}
			default:
				if err != nil || got.String() != want {
					t.Errorf("%s × %s: docs say %s, code gives %v %v", name, a, want, got, err)
				}
			}
			checked++
		}
	}
	if checked != 11*13 {
		t.Fatalf("checked %d pairs", checked)
	}
}

func TestTerminalStatusesAllowNothing(t *testing.T) {
	for _, st := range domain.Statuses {
		if !st.Terminal() {
			continue
		}
		for _, a := range domain.Actions {
			if Allowed(st, a) {
				t.Errorf("terminal %s allows %s", st, a)
			}
		}
	}
}
