package wecom

// Authorisation lifecycle events, pushed to the instruction callback URL with
// receiveid = suite id (protocol §6.1). Each embeds the decoded Header, so
// SuiteID, AuthCorpID and TimeStamp are at hand.

// SuiteTicket is the ticket WeCom pushes every 10 minutes; it is valid for 30
// and only the newest one should be used to fetch suite tokens.
type SuiteTicket struct {
	Header `xml:"-"`
	Ticket string `xml:"SuiteTicket"`
}

// CreateAuth reports an install from the marketplace or a QR code. AuthCode is
// single-use and valid for 10 minutes; WeCom wants the reply within 1000 ms.
type CreateAuth struct {
	Header    `xml:"-"`
	AuthCode  string `xml:"AuthCode"`
	State     string `xml:"State"`
	ExtraInfo string `xml:"ExtraInfo"`
}

// ChangeAuth reports changed visibility, permissions or auth mode: re-read the
// auth info of AuthCorpID.
type ChangeAuth struct {
	Header    `xml:"-"`
	State     string `xml:"State"`
	ExtraInfo string `xml:"ExtraInfo"`
}

// CancelAuth reports that AuthCorpID removed the app; its data must be deleted.
type CancelAuth struct {
	Header `xml:"-"`
}

// ResetPermanentCode reports a 代开发 "重新获取secret": exchange AuthCode with
// GetPermanentCode for the new permanent code.
type ResetPermanentCode struct {
	Header   `xml:"-"`
	AuthCode string `xml:"AuthCode"`
}

// ShareAgentChange reports that a parent corp shared or unshared the app
// through 企业互联. On the data callback URL only the Header is set.
type ShareAgentChange struct {
	Header        `xml:"-"`
	AppID         int    `xml:"AppId"` // legacy multi-app suites
	ParentCorpID  string `xml:"CorpId"`
	ParentAgentID int    `xml:"AgentId"`
}

// ShareChainChange is ShareAgentChange for 上下游 sharing.
type ShareChainChange ShareAgentChange

// CorpArchAuth reports that an admin granted the 组织架构 permission.
type CorpArchAuth struct {
	Header `xml:"-"`
}

// ApproveSpecialAuth reports a confirmed special permission (AuthType
// "customer_acquisition" for 获客助手).
type ApproveSpecialAuth struct {
	Header   `xml:"-"`
	AuthType string `xml:"AuthType"`
}

// CancelSpecialAuth reports a revoked special permission.
type CancelSpecialAuth ApproveSpecialAuth
