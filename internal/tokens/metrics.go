package tokens

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector reports, at scrape time, how close the soonest scheduled credential is to
// expiring and how many credentials are failing to refresh, from the credentials table.
type Collector struct {
	store   *Store
	now     func() time.Time
	expiry  *prometheus.Desc
	failing *prometheus.Desc
}

// NewCollector returns a collector to register once per process.
func NewCollector(s *Service) *Collector {
	return &Collector{store: s.cfg.Store, now: s.cfg.Now,
		expiry: prometheus.NewDesc("wecom_credential_seconds_to_expiry_min",
			"Seconds until the soonest-expiring scheduled credential expires (negative: one has lapsed unrefreshed).", nil, nil),
		failing: prometheus.NewDesc("wecom_credentials_failing",
			"Scheduled credentials whose last refresh failed, by kind.", []string{"kind"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) { ch <- c.expiry; ch <- c.failing }

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if c.store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	h, err := c.store.healthAcrossTenants(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.expiry, err)
		return
	}
	if h.soonest != nil {
		ch <- prometheus.MustNewConstMetric(c.expiry, prometheus.GaugeValue, h.soonest.Sub(c.now()).Seconds())
	}
	for _, k := range []Kind{Provider, Suite, Corp, JSAPITicket, AgentTicket} {
		ch <- prometheus.MustNewConstMetric(c.failing, prometheus.GaugeValue, float64(h.failing[k]), string(k))
	}
}
