package wecom

import (
	"context"
	"strconv"
)

// User is a member as returned by user/get. Third-party apps see a subset of
// the fields: name, mobile, email, avatar and gender are often empty.
type User struct {
	UserID         string   `json:"userid"`
	OpenUserID     string   `json:"open_userid,omitempty"`
	Name           string   `json:"name,omitempty"`
	Department     []int    `json:"department,omitempty"`
	Order          []int    `json:"order,omitempty"`
	Position       string   `json:"position,omitempty"`
	Mobile         string   `json:"mobile,omitempty"`
	Gender         string   `json:"gender,omitempty"` // "0", "1", "2": a string on the wire
	Email          string   `json:"email,omitempty"`
	BizMail        string   `json:"biz_mail,omitempty"`
	IsLeaderInDept []int    `json:"is_leader_in_dept,omitempty"`
	DirectLeader   []string `json:"direct_leader,omitempty"`
	Avatar         string   `json:"avatar,omitempty"`
	ThumbAvatar    string   `json:"thumb_avatar,omitempty"`
	Telephone      string   `json:"telephone,omitempty"`
	Alias          string   `json:"alias,omitempty"`
	Status         int      `json:"status,omitempty"` // 1 active, 2 disabled, 4 not activated, 5 left
	MainDepartment int      `json:"main_department,omitempty"`
}

// GetUser reads one member of the corp.
func (c *Client) GetUser(ctx context.Context, corpToken, userID string) (*User, error) {
	q := corpQuery(corpToken)
	q.Set("userid", userID)
	var r User
	if err := c.get(ctx, "user/get", q, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// SimpleUser is one entry of user/simplelist.
type SimpleUser struct {
	UserID     string `json:"userid"`
	Name       string `json:"name,omitempty"`
	Department []int  `json:"department,omitempty"`
	OpenUserID string `json:"open_userid,omitempty"`
}

// ListUsersSimple lists the members directly in a department.
func (c *Client) ListUsersSimple(ctx context.Context, corpToken string, departmentID int) ([]SimpleUser, error) {
	q := corpQuery(corpToken)
	q.Set("department_id", strconv.Itoa(departmentID))
	var r struct {
		UserList []SimpleUser `json:"userlist"`
	}
	if err := c.get(ctx, "user/simplelist", q, &r); err != nil {
		return nil, err
	}
	return r.UserList, nil
}

// Department is one entry of department/list.
type Department struct {
	ID               int      `json:"id"`
	Name             string   `json:"name,omitempty"`
	NameEn           string   `json:"name_en,omitempty"`
	DepartmentLeader []string `json:"department_leader,omitempty"`
	ParentID         int      `json:"parentid"`
	Order            int      `json:"order"`
}

// ListDepartments lists department id and its sub-departments; id 0 lists every
// department the app can see.
func (c *Client) ListDepartments(ctx context.Context, corpToken string, id int) ([]Department, error) {
	q := corpQuery(corpToken)
	if id != 0 {
		q.Set("id", strconv.Itoa(id))
	}
	var r struct {
		Department []Department `json:"department"`
	}
	if err := c.get(ctx, "department/list", q, &r); err != nil {
		return nil, err
	}
	return r.Department, nil
}

// OutgoingMessage is an app message for message/send. Set MsgType and the
// matching content field; recipients are "|"-separated ids, ToUser "@all" for all.
type OutgoingMessage struct {
	ToUser                 string    `json:"touser,omitempty"`
	ToParty                string    `json:"toparty,omitempty"`
	ToTag                  string    `json:"totag,omitempty"`
	MsgType                string    `json:"msgtype"` // text | markdown | textcard
	AgentID                int       `json:"agentid"`
	Text                   *Text     `json:"text,omitempty"`
	Markdown               *Text     `json:"markdown,omitempty"`
	TextCard               *TextCard `json:"textcard,omitempty"`
	Safe                   int       `json:"safe,omitempty"`
	EnableIDTrans          int       `json:"enable_id_trans,omitempty"`
	EnableDuplicateCheck   int       `json:"enable_duplicate_check,omitempty"`
	DuplicateCheckInterval int       `json:"duplicate_check_interval,omitempty"`
}

// Text is the content of a text or markdown message.
type Text struct {
	Content string `json:"content"`
}

// TextCard is the content of a textcard message.
type TextCard struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt,omitempty"`
}

// SendResult reports the recipients a sent message did not reach. A message is
// accepted (errcode 0) even when some of them are invalid.
type SendResult struct {
	InvalidUser    string `json:"invaliduser,omitempty"`
	InvalidParty   string `json:"invalidparty,omitempty"`
	InvalidTag     string `json:"invalidtag,omitempty"`
	UnlicensedUser string `json:"unlicenseduser,omitempty"`
	MsgID          string `json:"msgid,omitempty"`
	ResponseCode   string `json:"response_code,omitempty"`
}

// SendMessage sends an app message to members of the corp.
func (c *Client) SendMessage(ctx context.Context, corpToken string, msg *OutgoingMessage) (*SendResult, error) {
	var r SendResult
	if err := c.post(ctx, "message/send", corpQuery(corpToken), msg, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
