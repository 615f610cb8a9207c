package wecom

// Address-book events, InfoType (or, on the data URL of 代开发 apps, Event)
// change_contact (protocol §6.2). Which fields are present depends on the app's
// contact permission; update events carry only what changed. List fields are
// kept as WeCom sends them: comma-separated strings.

// ContactUserChange is ChangeType create_user, update_user or delete_user.
type ContactUserChange struct {
	Header         `xml:"-"`
	UserID         string        `xml:"UserID"`
	OpenUserID     string        `xml:"OpenUserID"`
	NewUserID      string        `xml:"NewUserID"` // update_user, when the userid changed
	Name           string        `xml:"Name"`
	Department     string        `xml:"Department"` // "1,2,3"
	MainDepartment int           `xml:"MainDepartment"`
	IsLeaderInDept string        `xml:"IsLeaderInDept"` // "1,0,0", in Department's order
	DirectLeader   string        `xml:"DirectLeader"`   // "lisi,wangwu"
	Mobile         string        `xml:"Mobile"`
	Position       string        `xml:"Position"`
	Gender         int           `xml:"Gender"` // 0 unknown (always, for third parties), 1 male, 2 female
	Email          string        `xml:"Email"`
	BizMail        string        `xml:"BizMail"`
	Status         int           `xml:"Status"` // 1 active, 2 disabled, 4 not activated, 5 left
	Avatar         string        `xml:"Avatar"`
	Alias          string        `xml:"Alias"`
	Telephone      string        `xml:"Telephone"`
	Address        string        `xml:"Address"`
	ExtAttr        []ExtAttrItem `xml:"ExtAttr>Item"`
}

// ExtAttrItem is a custom profile field: Type 0 is text (Text.Value), 1 is a
// link (Web.Title, Web.URL).
type ExtAttrItem struct {
	Name string      `xml:"Name"`
	Type int         `xml:"Type"`
	Text ExtAttrText `xml:"Text"`
	Web  ExtAttrWeb  `xml:"Web"`
}

// ExtAttrText is the value of a text ExtAttrItem.
type ExtAttrText struct {
	Value string `xml:"Value"`
}

// ExtAttrWeb is the value of a link ExtAttrItem.
type ExtAttrWeb struct {
	Title string `xml:"Title"`
	URL   string `xml:"Url"`
}

// ContactPartyChange is ChangeType create_party, update_party or delete_party.
// Third-party apps get the id in place of the name.
type ContactPartyChange struct {
	Header   `xml:"-"`
	ID       int    `xml:"Id"`
	Name     string `xml:"Name"`
	ParentID int    `xml:"ParentId"`
	Order    int    `xml:"Order"`
}

// ContactTagChange is ChangeType update_tag: members added to or removed from a tag.
type ContactTagChange struct {
	Header        `xml:"-"`
	TagID         int    `xml:"TagId"`
	AddUserItems  string `xml:"AddUserItems"`  // "zhangsan,lisi"
	DelUserItems  string `xml:"DelUserItems"`  //
	AddPartyItems string `xml:"AddPartyItems"` // "1,2"
	DelPartyItems string `xml:"DelPartyItems"`
}
