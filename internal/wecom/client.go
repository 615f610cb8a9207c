package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIBase is WeCom's API host. Tests and the simulator substitute their own.
const DefaultAPIBase = "https://qyapi.weixin.qq.com"

// maxResponse bounds what we read from WeCom; the largest JSON answers (auth
// info, department lists) are far smaller, so more means something is wrong.
const maxResponse = 4 << 20

// Client calls WeCom's server API. It holds no credentials and no cache: every
// method takes the token it needs, so a token service can wrap it with caching
// and refresh-and-retry. It is safe for concurrent use.
type Client struct {
	base string
	hc   *http.Client
}

// NewClient returns a client for the API at baseURL (DefaultAPIBase in
// production). A nil hc gets a client with a 10 s timeout.
func NewClient(baseURL string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), hc: hc}
}

// get calls GET /cgi-bin/{op}?{query} and decodes the answer into out.
func (c *Client) get(ctx context.Context, op string, query url.Values, out any) error {
	return c.do(ctx, http.MethodGet, op, query, nil, out)
}

// post calls POST /cgi-bin/{op}?{query} with body as JSON and decodes the answer into out.
func (c *Client) post(ctx context.Context, op string, query url.Values, body, out any) error {
	return c.do(ctx, http.MethodPost, op, query, body, out)
}

func (c *Client) do(ctx context.Context, method, op string, query url.Values, body, out any) error {
	var rd io.Reader
	if body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // message bodies carry HTML links; send them as written
		if err := enc.Encode(body); err != nil {
			return fmt.Errorf("wecom %s: encode request: %w", op, err)
		}
		rd = &buf
	}
	u := c.base + "/cgi-bin/" + op
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("wecom %s: %w", op, redact(err))
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("wecom %s: %w", op, redact(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("wecom %s: read response: %w", op, redact(err))
	}
	if resp.StatusCode != http.StatusOK {
		return &HTTPError{Op: op, StatusCode: resp.StatusCode, Status: resp.Status}
	}
	if len(data) > maxResponse {
		return fmt.Errorf("wecom %s: response larger than %d bytes", op, maxResponse)
	}
	return decode(op, data, out)
}

// decode turns a response body into out, or into *Error when errcode is non-zero.
// A missing errcode is success: the legacy token endpoints only send it on failure.
func decode(op string, data []byte, out any) error {
	var env struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return fmt.Errorf("wecom %s: decode response: %w", op, err)
	}
	if env.ErrCode != nil && *env.ErrCode != 0 {
		return &Error{Code: *env.ErrCode, Msg: env.ErrMsg, Op: op}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("wecom %s: decode response: %w", op, err)
	}
	return nil
}

// redact strips the query from any *url.Error in err's chain. Tokens travel in
// the query string and *url.Error prints the full URL, so without this every
// timeout would write a live token into the logs.
func redact(err error) error {
	var ue *url.Error
	for e := err; errors.As(e, &ue); e = ue.Err {
		ue.URL = stripQuery(ue.URL)
	}
	return err
}

func stripQuery(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		return raw[:i]
	}
	return raw
}

// requireValue refuses a successful-looking answer that lacks the value we
// asked for: handing an empty token upstream would hide the real failure.
func requireValue(op, field, v string) error {
	if v == "" {
		return fmt.Errorf("wecom %s: response has no %s", op, field)
	}
	return nil
}
