package wecom

// Paid-edition (收银台) order events: Header.PaidCorpID is the corp
// (protocol §6.5). License (接口许可) events: Header.ServiceCorpID is the
// provider and AuthCorpID the corp (protocol §6.6).

// OpenOrder reports a new order. OperatorID is empty when the provider or a
// reseller placed it.
type OpenOrder struct {
	Header     `xml:"-"`
	OrderID    string `xml:"OrderId"`
	OperatorID string `xml:"OperatorId"`
}

// ChangeOrder reports that an order was replaced by another.
type ChangeOrder struct {
	Header     `xml:"-"`
	OldOrderID string `xml:"OldOrderId"`
	NewOrderID string `xml:"NewOrderId"`
}

// PayForAppSuccess reports a paid order.
type PayForAppSuccess struct {
	Header  `xml:"-"`
	OrderID string `xml:"OrderId"`
}

// OrderRefund is InfoType refund: an order was refunded.
type OrderRefund struct {
	Header  `xml:"-"`
	OrderID string `xml:"OrderId"`
}

// CancelOrder reports a cancelled order.
type CancelOrder struct {
	Header  `xml:"-"`
	OrderID string `xml:"OrderId"`
}

// ChangeEdition is InfoType change_editon (sic): the corp's edition changed;
// re-read edition_info with GetAuthInfo.
type ChangeEdition struct {
	Header `xml:"-"`
}

// LicensePaySuccess reports a paid license order.
type LicensePaySuccess struct {
	Header      `xml:"-"`
	OrderID     string `xml:"OrderId"`
	BuyerUserID string `xml:"BuyerUserId"`
}

// LicenseRefund reports the outcome of a license refund.
type LicenseRefund struct {
	Header      `xml:"-"`
	OrderID     string `xml:"OrderId"`
	OrderStatus int    `xml:"OrderStatus"` // 1 refunded, 2 refused
}

// AutoActivate reports accounts WeCom activated automatically.
type AutoActivate struct {
	Header      `xml:"-"`
	Scene       int                `xml:"Scene"` // 1 user visit, 2 message push, 3 互通
	AccountList []ActivatedAccount `xml:"AccountList"`
}

// ActivatedAccount is one automatically activated license.
type ActivatedAccount struct {
	ActiveCode         string `xml:"ActiveCode"`
	Type               int    `xml:"Type"` // 1 basic, 2 互通
	ExpireTime         int64  `xml:"ExpireTime"`
	UserID             string `xml:"UserId"`
	PreviousStatus     int    `xml:"PreviousStatus"` // 1, 2 or 3
	PreviousActiveCode string `xml:"PreviousActiveCode"`
}
