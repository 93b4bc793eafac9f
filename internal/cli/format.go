package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/domain"
)

// vietnam is the time zone every time is shown in (the calendar package
// embeds the zone database, so it resolves on any host).
var vietnam = func() *time.Location {
	if loc, err := time.LoadLocation(domain.DefaultTimeZone); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*60*60)
}()

// timeLayout is how times are shown: weekday, day/month/year, 24-hour clock.
const timeLayout = "Mon 02/01/2006 15:04"

func fmtTime(t *timestamppb.Timestamp) string {
	if t == nil {
		return "-"
	}
	return t.AsTime().In(vietnam).Format(timeLayout)
}

// fmtWorking shows a working duration as hours and minutes, "12h30".
func fmtWorking(d *durationpb.Duration) string {
	if d == nil || d.AsDuration() <= 0 {
		return "-"
	}
	m := int64(d.AsDuration().Round(time.Minute) / time.Minute)
	return fmt.Sprintf("%dh%02d", m/60, m%60)
}

// enumName is an enum value's name without its type prefix
// (DOSSIER_STATUS_RECEIVED → RECEIVED); "-" for the unspecified value.
func enumName(e protoreflect.Enum) string {
	if e.Number() == 0 {
		return "-"
	}
	vals := e.Descriptor().Values()
	v := vals.ByNumber(e.Number())
	if v == nil {
		return fmt.Sprint(int32(e.Number()))
	}
	prefix := ""
	if zero := vals.ByNumber(0); zero != nil {
		prefix = strings.TrimSuffix(string(zero.Name()), "UNSPECIFIED")
	}
	return strings.TrimPrefix(string(v.Name()), prefix)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// table is a tabwriter for aligned columns.
type table struct{ w *tabwriter.Writer }

func newTable(out io.Writer) *table { return &table{tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)} }

func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
	}
	fmt.Fprintln(t.w, strings.Join(cells, "\t"))
}

func (t *table) flush() { _ = t.w.Flush() }

// printJSON writes a message as protojson (lowerCamelCase field names as in
// the HTTP API, enums by name, int64 as strings).
func printJSON(out io.Writer, m proto.Message) error {
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, string(b))
	return err
}

// printJSONObject writes several messages as one JSON object, keys in order.
func printJSONObject(out io.Writer, keys []string, msgs []proto.Message) error {
	var b bytes.Buffer
	b.WriteString("{")
	for i, k := range keys {
		raw, err := protojson.Marshal(msgs[i])
		if err != nil {
			return err
		}
		name, _ := json.Marshal(k)
		if i > 0 {
			b.WriteString(",")
		}
		b.Write(name)
		b.WriteString(":")
		b.Write(raw)
	}
	b.WriteString("}")
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, b.Bytes(), "", "  "); err != nil {
		return err
	}
	pretty.WriteString("\n")
	_, err := out.Write(pretty.Bytes())
	return err
}

// stepText is the current step as "2. name · unit · assignee".
func stepText(s *pb.DossierStep) string {
	if s == nil {
		return "-"
	}
	text := fmt.Sprintf("%d. %s · %s", s.GetIndex()+1, s.GetName(), s.GetUnitCode())
	if s.GetAssignee() != "" {
		text += " · " + s.GetAssignee()
	} else {
		text += " · (unassigned)"
	}
	return text
}

// summaryRows adds the lines a clerk checks after an action.
func summaryRows(t *table, d *pb.Dossier) {
	t.row("Code", d.GetCode())
	t.row("Status", enumName(d.GetStatus()))
	t.row("Version", fmt.Sprint(d.GetVersion()))
	t.row("Appointment", fmtTime(d.GetDueTime()))
	t.row("Legal deadline", fmtTime(d.GetOriginalDueTime()))
	t.row("Timeliness", enumName(d.GetTimeliness()))
	if d.GetPauseTime() != nil {
		t.row("Clock", "paused since "+fmtTime(d.GetPauseTime()))
	}
	stepRows(t, d, false)
}

// stepRows adds the current step (the last one, once the dossier finished).
func stepRows(t *table, d *pb.Dossier, started bool) {
	s := d.GetCurrentStep()
	if d.GetFinishTime() != nil {
		if s != nil {
			t.row("Last step", stepText(s))
		}
		return
	}
	t.row("Current step", stepText(s))
	if s != nil {
		if started {
			t.row("Step started", fmtTime(s.GetStartTime()))
		}
		t.row("Step due", fmtTime(s.GetDueTime()))
	}
}

// eventLine is one event on one line.
func eventLine(e *pb.DossierEvent) string {
	a := e.GetAttribution()
	actor := orDash(a.GetActorId())
	var who []string
	if a.GetActorRole() != 0 {
		who = append(who, enumName(a.GetActorRole()))
	}
	if a.GetActorAgency() != "" {
		who = append(who, a.GetActorAgency())
	}
	if len(who) > 0 {
		actor += " (" + strings.Join(who, ", ") + ")"
	}
	change := enumName(e.GetToStatus())
	if e.GetFromStatus() != 0 {
		change = enumName(e.GetFromStatus()) + " → " + change
	}
	kind := enumName(a.GetActorKind())
	if a.GetOnBehalfOf() != "" {
		kind += " for " + a.GetOnBehalfOf()
	}
	return fmt.Sprintf("#%d %s: %s · by %s · actor kind %s · channel %s", e.GetSequence(), enumName(e.GetAction()), change,
		actor, kind, enumName(a.GetChannel()))
}

// printMutation prints an action's answer: the dossier summary and the event.
func printMutation(out io.Writer, d *pb.Dossier, e *pb.DossierEvent) {
	t := newTable(out)
	summaryRows(t, d)
	identityRows(t, d)
	t.row("Event", eventLine(e))
	t.flush()
}

// printDossier prints every field of a dossier a person reads.
func printDossier(out io.Writer, d *pb.Dossier) {
	t := newTable(out)
	t.row("Code", d.GetCode())
	t.row("ID", d.GetId())
	t.row("Status", enumName(d.GetStatus()))
	t.row("Version", fmt.Sprint(d.GetVersion()))
	t.row("Procedure", fmt.Sprintf("%s (version %d)", d.GetProcedureCode(), d.GetProcedureVersion()))
	t.row("Agency", d.GetAgencyCode())
	t.row("Summary", orDash(d.GetSummary()))
	a := d.GetApplicant()
	t.row("Applicant", fmt.Sprintf("%s %s %s", enumName(a.GetKind()), a.GetIdNumber(), a.GetName()))
	var contact []string
	for _, c := range []string{a.GetPhone(), a.GetEmail(), a.GetAddress()} {
		if c != "" {
			contact = append(contact, c)
		}
	}
	if len(contact) > 0 {
		t.row("Contact", strings.Join(contact, " · "))
	}
	if r := d.GetRepresentative(); r != nil {
		t.row("Representative", fmt.Sprintf("%s %s (mandate %s)", r.GetIdNumber(), r.GetName(), r.GetMandateRef()))
	}
	t.row("Filed", fmt.Sprintf("via %s by %s", enumName(d.GetChannel()), enumName(d.GetFiledBy())))
	t.row("Submitted", fmtTime(d.GetSubmitTime()))
	t.row("Received", fmtTime(d.GetReceiveTime()))
	t.row("Clock start", fmtTime(d.GetClockStartTime()))
	t.row("Appointment", fmtTime(d.GetDueTime()))
	t.row("Legal deadline", fmtTime(d.GetOriginalDueTime()))
	if p := d.GetPausedWorkingDuration(); p.AsDuration() > 0 {
		t.row("Paused so far", fmtWorking(p)+" of working time")
	}
	if d.GetPauseTime() != nil {
		t.row("Clock", "paused since "+fmtTime(d.GetPauseTime()))
	}
	t.row("Timeliness", enumName(d.GetTimeliness()))
	stepRows(t, d, true)
	t.row("Finished", fmtTime(d.GetFinishTime()))
	t.row("Return channel", enumName(d.GetReturnChannel()))
	t.row("Returned", fmtTime(d.GetReturnTime()))
	if r := d.GetResult(); r != nil {
		kind := "paper"
		if r.GetElectronic() {
			kind = "electronic"
		}
		t.row("Result", fmt.Sprintf("%s, signed by %s, issued %s", kind, orDash(r.GetSigner()), fmtTime(r.GetIssueTime())))
	}
	identityRows(t, d)
	t.flush()
	if len(d.GetComponents()) > 0 {
		fmt.Fprintln(out)
		fmt.Fprintln(out, "Components")
		t := newTable(out)
		t.row("CODE", "SOURCE", "FILE", "SHA-256", "STORED", "REUSED FROM")
		for _, c := range d.GetComponents() {
			sum := c.GetFileSha256()
			if len(sum) > 12 {
				sum = sum[:12] + "…"
			}
			t.row(c.GetCode(), enumName(c.GetSource()), orDash(c.GetFileRef()), orDash(sum), stored(c.GetVerified(), c.GetSize()),
				orDash(c.GetReusedFrom()))
		}
		t.flush()
	}
	if r := d.GetResult(); r != nil && len(r.GetDocuments()) > 0 {
		fmt.Fprintln(out)
		fmt.Fprintln(out, "Result documents")
		t := newTable(out)
		t.row("CODE", "NAME", "FILE", "STORED", "SIGNATURE")
		for _, doc := range r.GetDocuments() {
			sig := "-"
			if sg := doc.GetSignature(); sg != nil {
				sig = "valid: " + sg.GetSigner() + " (root " + sg.GetRoot() + ")"
			}
			t.row(doc.GetCode(), doc.GetName(), orDash(doc.GetFileRef()), stored(doc.GetVerified(), 0), sig)
		}
		t.flush()
	}
}

// printSlip prints the process-control slip as a table.
func printSlip(out io.Writer, s *pb.GetProcessControlSlipResponse) {
	t := newTable(out)
	t.row("STEP", "NAME", "UNIT", "ROLE", "ASSIGNEE", "STARTED", "DUE", "FINISHED", "TIMELINESS", "LATE BY")
	for _, r := range s.GetRows() {
		t.row(fmt.Sprint(r.GetStepIndex()+1), r.GetStepName(), r.GetUnitCode(), enumName(r.GetRole()), orDash(r.GetAssignee()),
			fmtTime(r.GetStartTime()), fmtTime(r.GetDueTime()), fmtTime(r.GetFinishTime()), enumName(r.GetTimeliness()),
			fmtWorking(r.GetLateBy()))
	}
	t.flush()
	if len(s.GetRows()) == 0 {
		fmt.Fprintln(out, "(no workflow step yet: the dossier has not been received)")
	}
}

// printDeadline prints the explanation's lines, then its segments.
func printDeadline(out io.Writer, x *pb.ExplainDeadlineResponse) {
	for _, l := range x.GetLines() {
		fmt.Fprintln(out, l)
	}
	if len(x.GetSegments()) == 0 {
		return
	}
	fmt.Fprintln(out)
	t := newTable(out)
	t.row("KIND", "DAYS", "FROM", "TO", "COUNTED", "TOTAL", "WHY")
	for _, s := range x.GetSegments() {
		days := s.GetFirstDate()
		if s.GetLastDate() != "" && s.GetLastDate() != s.GetFirstDate() {
			days += " – " + s.GetLastDate()
		}
		from, to := fmtTime(s.GetFromTime()), fmtTime(s.GetToTime())
		if s.GetKind() == pb.DeadlineSegment_KIND_SKIPPED {
			from, to = "-", "-"
		}
		t.row(enumName(s.GetKind()), days, from, to, fmtWorking(s.GetCounted()), fmtWorking(s.GetTotal()),
			orDash(strings.Join(s.GetReasons(), ", ")))
	}
	t.flush()
}

// printEvents prints a dossier's events as a table.
func printEvents(out io.Writer, evs []*pb.DossierEvent) {
	t := newTable(out)
	t.row("SEQ", "TIME", "ACTION", "FROM", "TO", "STEP", "ACTOR", "ROLE", "AGENCY", "ACTOR KIND", "CHANNEL", "NOTE")
	for _, e := range evs {
		a := e.GetAttribution()
		step := "-"
		if e.GetStepIndex() >= 0 {
			step = fmt.Sprint(e.GetStepIndex() + 1)
		}
		t.row(fmt.Sprint(e.GetSequence()), fmtTime(e.GetTime()), enumName(e.GetAction()), enumName(e.GetFromStatus()),
			enumName(e.GetToStatus()), step, orDash(a.GetActorId()), enumName(a.GetActorRole()), orDash(a.GetActorAgency()),
			enumName(a.GetActorKind()), enumName(a.GetChannel()), orDash(e.GetNote()))
	}
	t.flush()
}

// printDossierList prints dossiers one a line.
func printDossierList(out io.Writer, ds []*pb.Dossier) {
	t := newTable(out)
	t.row("CODE", "STATUS", "PROCEDURE", "APPLICANT", "RECEIVED", "LEGAL DEADLINE", "TIMELINESS", "STEP")
	for _, d := range ds {
		step := "-"
		if s := d.GetCurrentStep(); s != nil {
			step = fmt.Sprintf("%d. %s", s.GetIndex()+1, s.GetUnitCode())
		}
		t.row(d.GetCode(), enumName(d.GetStatus()), d.GetProcedureCode(),
			d.GetApplicant().GetIdNumber()+" "+d.GetApplicant().GetName(), fmtTime(d.GetReceiveTime()),
			fmtTime(d.GetOriginalDueTime()), enumName(d.GetTimeliness()), step)
	}
	t.flush()
}

// stored says whether the server holds a file and checked its hash.
func stored(verified bool, size int64) string {
	switch {
	case !verified:
		return "-"
	case size > 0:
		return fmt.Sprintf("verified, %d B", size)
	}
	return "verified"
}

// identityRows shows the identity check, its flag, the pre-filled fields
// and the mandate check, so the clerk sees them.
func identityRows(t *table, d *pb.Dossier) {
	if v := d.GetIdentityVerification(); v != nil {
		t.row("Identity", fmt.Sprintf("%s (%s, query %s, %s)", enumName(v.GetOutcome()), orDash(v.GetSource()), orDash(v.GetQueryId()),
			fmtTime(v.GetVerifyTime())))
		if v.GetFlag() != "" {
			t.row("Flag", v.GetFlag())
		}
		if p := v.GetPrefilledFields(); len(p) > 0 {
			t.row("Pre-filled", strings.Join(p, ", ")+" (from the population database)")
		}
	}
	if r := d.GetRepresentative(); r != nil {
		c := r.GetMandateCheck()
		line := fmt.Sprintf("%s by %s: %s", r.GetMandateRef(), r.GetName(), enumName(c.GetStatus()))
		if c.GetMethod() != "" {
			line += " (" + c.GetMethod()
			if c.GetQueryId() != "" {
				line += ", " + c.GetSource() + " query " + c.GetQueryId()
			}
			if c.GetReason() != "" {
				line += ", " + c.GetReason()
			}
			line += ")"
		}
		t.row("Mandate", line)
		if g := c.GetRegistry(); g != nil {
			t.row("Mandate registry", fmt.Sprintf("%s %s (%s query %s), before an official decided", enumName(g.GetStatus()),
				g.GetReason(), g.GetSource(), g.GetQueryId()))
		}
		if c.GetFlag() != "" {
			t.row("Flag", c.GetFlag())
		}
	}
}
