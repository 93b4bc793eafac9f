package cli

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/store/gormstore"
)

// The lanes gauge tells an operator what members per group is read
// against: the count set, the default, SQLite's one, and 0 when off.
func TestGroupCommitMetricsShowTheLanes(t *testing.T) {
	url := pgtest.NewDatabase(t)
	for _, c := range []struct {
		url  string
		o    gormstore.Options
		want int
	}{
		{url, gormstore.Options{GroupLanes: 3}, 3},
		{url, gormstore.Options{}, gormstore.DefaultGroupLanes()},
		{url, gormstore.Options{NoGroupCommit: true}, 0},
		{"memory", gormstore.Options{}, 1},
	} {
		st, err := gormstore.OpenWith(context.Background(), c.url, c.o)
		if err != nil {
			t.Fatal(err)
		}
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(groupCommitCollector{st: st})
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := -1.0
		for _, mf := range mfs {
			if mf.GetName() == "motcua_store_group_lanes" {
				got = mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		if got != float64(c.want) {
			t.Errorf("%s %+v: motcua_store_group_lanes %v, want %d", c.url[:6], c.o, got, c.want)
		}
		st.Close()
	}
}
