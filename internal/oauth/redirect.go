package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/wecomisv/platform/internal/suite"
)

// checkRedirect returns where a sign-in may end: a path on this origin ("/app/?x=1"), or
// an http(s) URL whose host (with port) is this origin's or one of domains (the suite's
// trusted domains). Nothing else: no scheme-relative "//evil", no backslashes that browsers
// read as slashes, no javascript: or other schemes, no user info, no control characters.
// An empty redirect means the landing page.
func (s *Service) checkRedirect(raw string, domains []string) (string, error) {
	if raw == "" {
		return s.cfg.LandingPath, nil
	}
	if len(raw) > 2048 || strings.ContainsFunc(raw, func(r rune) bool { return r < 0x21 || r == 0x7f || r == '\\' }) {
		return "", ErrBadRedirect
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", ErrBadRedirect
	}
	if strings.HasPrefix(raw, "/") {
		if strings.HasPrefix(raw, "//") || u.Scheme != "" || u.Host != "" || u.User != nil {
			return "", ErrBadRedirect
		}
		return raw, nil
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return "", ErrBadRedirect
	}
	own, _ := url.Parse(s.origin)
	if strings.EqualFold(u.Host, own.Host) || slices.ContainsFunc(domains, func(d string) bool { return strings.EqualFold(d, u.Host) }) {
		return u.String(), nil
	}
	return "", ErrBadRedirect
}

// suite returns a configured suite, or ErrUnknownSuite.
func (s *Service) suite(ctx context.Context, suiteID string) (suite.Suite, error) {
	su, err := s.suites.Suite(ctx, suiteID)
	if errors.Is(err, suite.ErrNotFound) {
		return su, fmt.Errorf("%w: %s", ErrUnknownSuite, suiteID)
	}
	if err != nil {
		return su, fmt.Errorf("suite %s: %w", suiteID, err)
	}
	return su, nil
}

// allTrustedDomains is the union of every suite's trusted domains, for the provider login,
// which belongs to no one suite.
func (s *Service) allTrustedDomains(ctx context.Context) ([]string, error) {
	all, err := s.suites.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list suites: %w", err)
	}
	var out []string
	for _, su := range all {
		out = append(out, su.TrustedDomains...)
	}
	return out, nil
}
