package wecom

// Customer-contact (客户联系) events (protocol §6.3). Header.ChangeType says
// what happened; the fields that do not apply are empty.

// ExternalContactChange is InfoType change_external_contact: add_external_contact,
// edit_external_contact, add_half_external_contact, del_external_contact,
// del_follow_user or transfer_fail.
type ExternalContactChange struct {
	Header         `xml:"-"`
	UserID         string `xml:"UserID"`
	ExternalUserID string `xml:"ExternalUserID"`
	State          string `xml:"State"`
	WelcomeCode    string `xml:"WelcomeCode"`
	Source         string `xml:"Source"`     // del_external_contact: DELETE_BY_TRANSFER
	FailReason     string `xml:"FailReason"` // transfer_fail: customer_refused | customer_limit_exceed
}

// ExternalChatChange is InfoType change_external_chat: create, update or dismiss.
type ExternalChatChange struct {
	Header        `xml:"-"`
	ChatID        string   `xml:"ChatId"`
	UpdateDetail  string   `xml:"UpdateDetail"` // add_member, del_member, change_owner, change_name, change_notice
	JoinScene     int      `xml:"JoinScene"`
	QuitScene     int      `xml:"QuitScene"`
	MemChangeCnt  int      `xml:"MemChangeCnt"`
	MemChangeList []string `xml:"MemChangeList>Item"`
	LastMemVer    string   `xml:"LastMemVer"`
	CurMemVer     string   `xml:"CurMemVer"`
}

// ExternalTagChange is InfoType change_external_tag: create, update, delete or
// shuffle (ID is then a tag-group id, empty when every group was reordered).
type ExternalTagChange struct {
	Header     `xml:"-"`
	ID         string `xml:"Id"`
	TagType    string `xml:"TagType"` // tag | tag_group
	StrategyID string `xml:"StrategyId"`
}

// CustomerAcquisitionPermitChange reports that the members allowed to use
// 获客助手 changed; it carries no fields of its own.
type CustomerAcquisitionPermitChange struct {
	Header `xml:"-"`
}
