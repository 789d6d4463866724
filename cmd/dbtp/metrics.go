package main

import (
	"dbtp/internal/store"

	"github.com/prometheus/client_golang/prometheus"
)

// storeCollector exposes the group-commit counters, which show how many
// writes each fsync carries.
type storeCollector struct {
	db          *store.DB
	txs, writes *prometheus.Desc
}

func newStoreCollector(db *store.DB) *storeCollector {
	return &storeCollector{db: db,
		txs:    prometheus.NewDesc("dbtp_store_transactions_total", "Physical database transactions committed.", nil, nil),
		writes: prometheus.NewDesc("dbtp_store_writes_total", "Logical writes committed (several share a transaction on SQLite).", nil, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.txs; ch <- c.writes }

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.db.Stats()
	ch <- prometheus.MustNewConstMetric(c.txs, prometheus.CounterValue, float64(s.Transactions))
	ch <- prometheus.MustNewConstMetric(c.writes, prometheus.CounterValue, float64(s.Writes))
}
