// Package wecomjwt verifies the access tokens the WeCom ISV platform issues to tenant users,
// for the provider's other Go services. It fetches the platform's public keys from
// /.well-known/jwks.json, caches them, and checks the signature (algorithm pinned per key),
// issuer, audience, expiry and issue time.
//
// It depends only on the standard library and github.com/golang-jwt/jwt/v5, so any service
// can import it. The platform itself signs with the same Claims type, so both sides agree on
// the token's shape by construction.
package wecomjwt

import "github.com/golang-jwt/jwt/v5"

// Claims are the platform access token's claims.
type Claims struct {
	jwt.RegisteredClaims
	// TenantID is the platform's id of the installing enterprise (suite + corp).
	TenantID   string `json:"tid,omitempty"`
	SuiteID    string `json:"suite_id"`
	CorpID     string `json:"corp_id"`
	UserID     string `json:"userid,omitempty"`
	OpenUserID string `json:"open_userid,omitempty"`
	// UserType is get_login_info's usertype for admin web logins (1 creator, 2 internal
	// admin, 3 external admin, 4 sub-admin, 5 member); 0 for in-app OAuth sign-ins.
	UserType int `json:"user_type,omitempty"`
	// SessionID names the platform session (the refresh-token family) the token belongs to.
	SessionID string `json:"sid"`
}

// JWK is one public key of an RFC 7517 key set: Ed25519 (kty OKP, crv Ed25519, x) or RSA (n, e).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS is the document served at /.well-known/jwks.json.
type JWKS struct {
	Keys []JWK `json:"keys"`
}
