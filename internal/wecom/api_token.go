package wecom

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
)

// Token is a credential with its lifetime: a provider, suite or corp access
// token, or a JS-SDK ticket. WeCom names the value differently per endpoint.
type Token struct {
	Value     string
	ExpiresIn int // seconds, as reported by WeCom (normally 7200)
}

// String hides the value so a token printed by accident does not end up in a log.
func (t Token) String() string { return fmt.Sprintf("Token{expires_in: %d}", t.ExpiresIn) }

// GoString hides the value from %#v as well.
func (t Token) GoString() string { return t.String() }

// LogValue hides the value from slog for the same reason.
func (t Token) LogValue() slog.Value { return slog.IntValue(t.ExpiresIn) }

// GetProviderToken fetches the provider_access_token for the provider's corpid and secret.
func (c *Client) GetProviderToken(ctx context.Context, corpID, providerSecret string) (Token, error) {
	const op = "service/get_provider_token"
	body := map[string]string{"corpid": corpID, "provider_secret": providerSecret}
	var r struct {
		Value     string `json:"provider_access_token"`
		ExpiresIn int    `json:"expires_in"`
	}
	if err := c.post(ctx, op, nil, body, &r); err != nil {
		return Token{}, err
	}
	return newToken(op, "provider_access_token", r.Value, r.ExpiresIn)
}

// GetSuiteToken fetches a suite_access_token using the newest pushed suite_ticket.
func (c *Client) GetSuiteToken(ctx context.Context, suiteID, suiteSecret, suiteTicket string) (Token, error) {
	const op = "service/get_suite_token"
	body := map[string]string{"suite_id": suiteID, "suite_secret": suiteSecret, "suite_ticket": suiteTicket}
	var r struct {
		Value     string `json:"suite_access_token"`
		ExpiresIn int    `json:"expires_in"`
	}
	if err := c.post(ctx, op, nil, body, &r); err != nil {
		return Token{}, err
	}
	return newToken(op, "suite_access_token", r.Value, r.ExpiresIn)
}

// GetCorpToken fetches the access_token of an authorising corp from its permanent code.
func (c *Client) GetCorpToken(ctx context.Context, suiteToken, corpID, permanentCode string) (Token, error) {
	const op = "service/get_corp_token"
	body := map[string]string{"auth_corpid": corpID, "permanent_code": permanentCode}
	var r struct {
		Value     string `json:"access_token"`
		ExpiresIn int    `json:"expires_in"`
	}
	if err := c.post(ctx, op, suiteQuery(suiteToken), body, &r); err != nil {
		return Token{}, err
	}
	return newToken(op, "access_token", r.Value, r.ExpiresIn)
}

// GetJSAPITicket fetches the corp jsapi_ticket used to sign wx.config.
func (c *Client) GetJSAPITicket(ctx context.Context, corpToken string) (Token, error) {
	return c.ticket(ctx, "get_jsapi_ticket", corpQuery(corpToken))
}

// GetAgentConfigTicket fetches the app's jsapi_ticket used to sign wx.agentConfig.
// Signing agentConfig with the corp ticket fails with 42012.
func (c *Client) GetAgentConfigTicket(ctx context.Context, corpToken string) (Token, error) {
	q := corpQuery(corpToken)
	q.Set("type", "agent_config")
	return c.ticket(ctx, "ticket/get", q)
}

func (c *Client) ticket(ctx context.Context, op string, q url.Values) (Token, error) {
	var r struct {
		Value     string `json:"ticket"`
		ExpiresIn int    `json:"expires_in"`
	}
	if err := c.get(ctx, op, q, &r); err != nil {
		return Token{}, err
	}
	return newToken(op, "ticket", r.Value, r.ExpiresIn)
}

func newToken(op, field, value string, expiresIn int) (Token, error) {
	if err := requireValue(op, field, value); err != nil {
		return Token{}, err
	}
	return Token{Value: value, ExpiresIn: expiresIn}, nil
}

// The query names of the three token families (protocol §1).
func providerQuery(token string) url.Values { return url.Values{"provider_access_token": {token}} }
func suiteQuery(token string) url.Values    { return url.Values{"suite_access_token": {token}} }
func corpQuery(token string) url.Values     { return url.Values{"access_token": {token}} }
