package wecomsim

import (
	"sort"
	"strconv"
	"strings"
)

// xmlMsg writes WeCom's flat XML: strings in CDATA, integers bare, fields in the
// order given (protocol §6/§7 samples).
type xmlMsg struct{ b strings.Builder }

func newXML() *xmlMsg {
	m := &xmlMsg{}
	m.b.WriteString("<xml>")
	return m
}

func (m *xmlMsg) str(name, v string) *xmlMsg {
	m.b.WriteString("<" + name + "><![CDATA[")
	// "]]>" cannot appear inside CDATA; split it across two sections.
	m.b.WriteString(strings.ReplaceAll(v, "]]>", "]]]]><![CDATA[>"))
	m.b.WriteString("]]></" + name + ">")
	return m
}

func (m *xmlMsg) num(name string, v int64) *xmlMsg {
	m.b.WriteString("<" + name + ">" + strconv.FormatInt(v, 10) + "</" + name + ">")
	return m
}

// strIf writes a string field only when it has a value.
func (m *xmlMsg) strIf(name, v string) *xmlMsg {
	if v != "" {
		m.str(name, v)
	}
	return m
}

// fields writes caller-supplied passthrough fields, sorted for a stable output:
// numbers stay bare, everything else is CDATA.
func (m *xmlMsg) fields(f map[string]any) *xmlMsg {
	keys := make([]string, 0, len(f))
	for k := range f {
		if validXMLName(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := f[k].(type) {
		case float64:
			if v == float64(int64(v)) {
				m.num(k, int64(v))
			} else {
				m.str(k, strconv.FormatFloat(v, 'f', -1, 64))
			}
		case int:
			m.num(k, int64(v))
		case int64:
			m.num(k, v)
		case string:
			m.str(k, v)
		case bool:
			m.str(k, strconv.FormatBool(v))
		default:
			m.str(k, "")
		}
	}
	return m
}

func (m *xmlMsg) bytes() []byte {
	m.b.WriteString("</xml>")
	return []byte(m.b.String())
}

func validXMLName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// envelope is the outer XML of a callback POST (protocol §5.3). Instruction pushes
// carry an empty AgentID.
func envelope(toUser, encrypted, agentID string) []byte {
	return newXML().str("ToUserName", toUser).str("Encrypt", encrypted).str("AgentID", agentID).bytes()
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}
