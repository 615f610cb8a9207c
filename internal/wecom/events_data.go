package wecom

// Data-callback events (数据回调URL, receiveid = the corp): Header.ToUserName is
// the corp, FromUserName the member (or "sys"), AgentID the app (protocol §7).

// ChangeAppAdmin reports that the app's admins changed: re-read the admin list.
type ChangeAppAdmin struct {
	Header `xml:"-"`
}

// UnlicensedNotify reports that a member without a license opened the app.
type UnlicensedNotify struct {
	Header `xml:"-"`
}

// Subscribe reports that FromUserName entered the app's visible range.
type Subscribe struct {
	Header `xml:"-"`
}

// Unsubscribe reports that FromUserName left the app's visible range.
type Unsubscribe struct {
	Header `xml:"-"`
}

// EnterAgent reports that FromUserName opened the app.
type EnterAgent struct {
	Header   `xml:"-"`
	EventKey string `xml:"EventKey"`
}

// Message is a user message to the app (MsgType text, image, voice, video,
// location, link, ...). Fields that do not apply to MsgType are empty.
type Message struct {
	Header       `xml:"-"`
	MsgID        string `xml:"MsgId"` // 64-bit; kept as text
	Content      string `xml:"Content"`
	PicURL       string `xml:"PicUrl"`
	MediaID      string `xml:"MediaId"`
	Format       string `xml:"Format"`
	ThumbMediaID string `xml:"ThumbMediaId"`
	LocationX    string `xml:"Location_X"`
	LocationY    string `xml:"Location_Y"`
	Scale        string `xml:"Scale"`
	Label        string `xml:"Label"`
	Title        string `xml:"Title"`
	Description  string `xml:"Description"`
	URL          string `xml:"Url"`
}
