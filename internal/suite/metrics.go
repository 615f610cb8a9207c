package suite

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TicketCollector reports each suite's ticket age at scrape time: a ticket older than
// 30 minutes is expired and suite tokens can no longer be fetched.
type TicketCollector struct {
	store *Store
	age   *prometheus.Desc
}

// NewTicketCollector returns a collector to register once per process.
func NewTicketCollector(store *Store) *TicketCollector {
	return &TicketCollector{store: store, age: prometheus.NewDesc("wecom_suite_ticket_age_seconds",
		"Seconds since the newest suite_ticket arrived (absent until the first one).", []string{"suite_id"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *TicketCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.age }

// Collect implements prometheus.Collector.
func (c *TicketCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	infos, err := c.store.TicketInfos(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.age, err)
		return
	}
	for _, ti := range infos {
		if ti.ReceivedAt.IsZero() {
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, time.Since(ti.ReceivedAt).Seconds(), ti.SuiteID)
	}
}
