package tenants

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var installDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
	Name:    "wecom_install_duration_seconds",
	Help:    "Time from an install's arrival (create_auth received in the inbox, or the install redirect) to an active tenant with its admin list.",
	Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
}, []string{"source"})

// Collector reports the tenant count by status at scrape time.
type Collector struct {
	store *Store
	desc  *prometheus.Desc
}

// NewCollector returns a collector to register once per process.
func NewCollector(store *Store) *Collector {
	return &Collector{store: store, desc: prometheus.NewDesc("wecom_tenants",
		"Tenants by status (active, cancelled, auth_broken: active but rejected by WeCom).", []string{"status"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.store.CountByStatus(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), status)
	}
}
