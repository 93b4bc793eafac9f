package seed

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// BenchmarkGenerate measures generation alone (no storing): one op is one
// dossier carried through its lifecycle on the scratch store.
func BenchmarkGenerate(b *testing.B) {
	ctx := context.Background()
	st, err := gormstore.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "m.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	if err := EnsureProvince(ctx, app.New(st), st, from); err != nil {
		b.Fatal(err)
	}
	w, err := loadWorld(ctx, st, 1, from, from.AddDate(1, 0, 0))
	if err != nil {
		b.Fatal(err)
	}
	hs, err := w.headers(b.N)
	if err != nil {
		b.Fatal(err)
	}
	g := newGenerator(w)
	b.ResetTimer()
	var events int
	for i := range hs {
		out, err := g.generate(hs[i])
		if err != nil {
			b.Fatal(err)
		}
		events += len(out.events)
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}
