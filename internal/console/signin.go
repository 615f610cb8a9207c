package console

import (
	"context"
	"fmt"
)

// SignIn checks the password of email, throttled per email and IP, and starts a session.
// It returns the session cookie's value.
func (c *Console) SignIn(ctx context.Context, email, password, ip, userAgent string) (string, Session, error) {
	if err := c.throttle.acquire(ctx, email, ip); err != nil {
		return "", Session{}, err
	}
	st, ok, err := c.staff.Authenticate(ctx, email, password)
	if err != nil {
		c.throttle.release(ctx, email, ip)
		return "", Session{}, err
	}
	if !ok {
		if err := c.throttle.fail(ctx, email, ip); err != nil {
			return "", Session{}, err
		}
		return "", Session{}, fmt.Errorf("wrong email or password: %w", ErrUnauthorized)
	}
	c.throttle.reset(ctx, email, ip)
	token, sess, err := c.sessions.create(ctx, st, ip, userAgent)
	if err != nil {
		return "", Session{}, err
	}
	if err := c.record(ctx, Actor{Staff: st, IP: ip}, ActionSignIn, "staff:"+st.Email, nil, nil); err != nil {
		return "", Session{}, err
	}
	return token, sess, nil
}

// SignOut ends the session.
func (c *Console) SignOut(ctx context.Context, a Actor, sess Session) error {
	if err := c.sessions.delete(ctx, sess); err != nil {
		return err
	}
	return c.record(ctx, a, ActionSignOut, "staff:"+a.Staff.Email, nil, nil)
}

// Tenant actions by their URL names.
const (
	ActionNameResync       = "resync"
	ActionNameRefreshToken = "refresh-token"
	ActionNamePurge        = "purge"
)

// TenantAction runs one of the tenant actions by name.
func (c *Console) TenantAction(ctx context.Context, a Actor, suiteID, corpID, action, reason string) error {
	switch action {
	case ActionNameResync:
		return c.ResyncAuthInfo(ctx, a, suiteID, corpID)
	case ActionNameRefreshToken:
		return c.RefreshToken(ctx, a, suiteID, corpID)
	case ActionNamePurge:
		return c.MarkForPurge(ctx, a, suiteID, corpID, reason)
	}
	return fmt.Errorf("tenant action %q: %w", action, ErrNotFound)
}
