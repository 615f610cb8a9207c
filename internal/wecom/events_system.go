package wecom

// Provider-level system events (系统事件接收URL, receiveid = provider corpid),
// async job results, and the generic user message (protocol §6.4, §6.6, §7).

// AgreeExternalUserIDMigration reports that AuthCorpID agreed to migrate its
// external userids; WeCom wants the reply within 1000 ms.
type AgreeExternalUserIDMigration struct {
	Header `xml:"-"`
}

// RegisterCorp reports a corp registered through a promotion QR code.
// ContactSync.AccessToken is a live credential (1800 s): never log it.
type RegisterCorp struct {
	Header       `xml:"-"`
	RegisterCode string       `xml:"RegisterCode"`
	ContactSync  ContactSync  `xml:"ContactSync"`
	AuthUserInfo RegisterUser `xml:"AuthUserInfo"`
	State        string       `xml:"State"`
	TemplateID   string       `xml:"TemplateId"`
}

// ContactSync is a short-lived token for the initial address-book import.
type ContactSync struct {
	AccessToken string `xml:"AccessToken"`
	ExpiresIn   int    `xml:"ExpiresIn"`
}

// RegisterUser is the admin who registered the corp.
type RegisterUser struct {
	UserID string `xml:"UserId"`
}

// EnterRegisterPackage reports that a registered corp entered the promotion package.
type EnterRegisterPackage struct {
	Header       `xml:"-"`
	AuthUserInfo RegisterUser `xml:"AuthUserInfo"`
	RegisterCode string       `xml:"RegisterCode"`
	State        string       `xml:"State"`
	TemplateID   string       `xml:"TemplateId"`
}

// BatchJobResult reports a finished async job. On the instruction URL JobType
// is an export (export_user, export_simple_user, export_department,
// export_taguser); on the system URL it is contact_id_translate (with
// ServiceCorpID and AuthCorpID); on the data URL an import (sync_user,
// replace_user, invite_user, replace_party).
type BatchJobResult struct {
	Header   `xml:"-"`
	BatchJob BatchJob `xml:"BatchJob"`
}

// BatchJob identifies an async job and, except for contact_id_translate, its outcome.
type BatchJob struct {
	JobID   string `xml:"JobId"`
	JobType string `xml:"JobType"`
	ErrCode int    `xml:"ErrCode"`
	ErrMsg  string `xml:"ErrMsg"`
}
