package cli

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua/internal/store/gormstore"
)

// replicaCollectors export the read replicas' state and where routed reads
// went (docs/operations.md, "Read replicas"); none without replicas.
func replicaCollectors(st *gormstore.Store) []prometheus.Collector {
	if len(st.Replicas()) == 0 {
		return nil
	}
	return []prometheus.Collector{replicaCollector{st: st}}
}

var (
	replicaUsableDesc = prometheus.NewDesc("motcua_replica_usable",
		"1 while the read replica answers and follows the primary, 0 while its reads go to the primary.", []string{"replica"}, nil)
	replicaLagDesc = prometheus.NewDesc("motcua_replica_lag_seconds",
		"How far behind the primary the replica was at its last check (reads without a token use it only within --replica-max-lag).", []string{"replica"}, nil)
	replicaReadsDesc = prometheus.NewDesc("motcua_replica_reads_total",
		"Reads that may use a replica, by who served them: replica, primary (no replica fresh enough), fallback (a replica failed; the primary re-ran it).", []string{"served_by"}, nil)
)

type replicaCollector struct{ st *gormstore.Store }

func (c replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- replicaUsableDesc
	ch <- replicaLagDesc
	ch <- replicaReadsDesc
}

func (c replicaCollector) Collect(ch chan<- prometheus.Metric) {
	for _, r := range c.st.Replicas() {
		usable := 0.0
		if r.Usable {
			usable = 1
		}
		ch <- prometheus.MustNewConstMetric(replicaUsableDesc, prometheus.GaugeValue, usable, r.Name)
		ch <- prometheus.MustNewConstMetric(replicaLagDesc, prometheus.GaugeValue, r.Lag.Seconds(), r.Name)
	}
	n := c.st.ReadCounts()
	ch <- prometheus.MustNewConstMetric(replicaReadsDesc, prometheus.CounterValue, float64(n.Replica), "replica")
	ch <- prometheus.MustNewConstMetric(replicaReadsDesc, prometheus.CounterValue, float64(n.Primary), "primary")
	ch <- prometheus.MustNewConstMetric(replicaReadsDesc, prometheus.CounterValue, float64(n.Fallback), "fallback")
}
