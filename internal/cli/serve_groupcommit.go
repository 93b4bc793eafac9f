package cli

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua/internal/store/gormstore"
)

// groupCommitCollector exports the group commit's counters
// (docs/operations.md, "Group commit"): members per group is
// motcua_store_group_members_total / motcua_store_group_commits_total.
type groupCommitCollector struct{ st *gormstore.Store }

var (
	groupCommitsDesc = prometheus.NewDesc("motcua_store_group_commits_total",
		"Transactions that committed a group of intakes (--group-commit).", nil, nil)
	groupMembersDesc = prometheus.NewDesc("motcua_store_group_members_total",
		"Intakes acknowledged by a group's commit.", nil, nil)
	groupAloneDesc = prometheus.NewDesc("motcua_store_group_alone_total",
		"Intakes run again in a transaction of their own after their group failed (a member's error, a failed commit).", nil, nil)
	groupLanesDesc = prometheus.NewDesc("motcua_store_group_lanes",
		"Group-commit lanes: groups that may run their statements at once (--group-lanes; 0 when --group-commit is off).", nil, nil)
)

func (c groupCommitCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- groupCommitsDesc
	ch <- groupMembersDesc
	ch <- groupAloneDesc
	ch <- groupLanesDesc
}

func (c groupCommitCollector) Collect(ch chan<- prometheus.Metric) {
	n := c.st.GroupCommitStats()
	ch <- prometheus.MustNewConstMetric(groupCommitsDesc, prometheus.CounterValue, float64(n.Groups))
	ch <- prometheus.MustNewConstMetric(groupMembersDesc, prometheus.CounterValue, float64(n.Members))
	ch <- prometheus.MustNewConstMetric(groupAloneDesc, prometheus.CounterValue, float64(n.Alone))
	ch <- prometheus.MustNewConstMetric(groupLanesDesc, prometheus.GaugeValue, float64(n.Lanes))
}
