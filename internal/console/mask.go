package console

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// sensitiveName matches element and parameter names whose values are credentials:
// AuthCode, SuiteTicket, PermanentCode, AccessToken, secrets, AES keys, passwords.
var sensitiveName = regexp.MustCompile(`(?i)ticket|code|token|secret|aeskey|password`)

func masked(v string) string {
	if v == "" {
		return ""
	}
	return fmt.Sprintf("[masked, %d chars]", len(v))
}

// MaskXML pretty-prints a decrypted callback with the text of every sensitive element
// masked. A payload that is not XML is masked as text.
func MaskXML(payload []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(payload))
	var out strings.Builder
	var stack []string
	open := false // the last thing written was a start tag whose text may follow inline
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if out.Len() == 0 {
				return MaskText(string(payload))
			}
			break
		}
		if err != nil {
			return MaskText(string(payload))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if open {
				out.WriteString("\n")
			}
			out.WriteString(strings.Repeat("  ", len(stack)) + "<" + t.Name.Local + ">")
			stack = append(stack, t.Name.Local)
			open = true
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if !open {
				out.WriteString(strings.Repeat("  ", len(stack)))
			}
			out.WriteString("</" + t.Name.Local + ">\n")
			open = false
		case xml.CharData:
			text := strings.TrimSpace(string(t))
			if text == "" || !open {
				continue
			}
			if len(stack) > 0 && sensitiveName.MatchString(stack[len(stack)-1]) {
				text = masked(text)
			} else {
				text = MaskText(text)
			}
			var esc bytes.Buffer
			xml.EscapeText(&esc, []byte(text))
			out.Write(esc.Bytes())
		}
	}
	return out.String()
}

var (
	sensitivePair = regexp.MustCompile(`(?i)([a-z0-9_]*(?:ticket|code|token|secret|aeskey|password)[a-z0-9_]*)(["']?\s*[:=]\s*["']?)([^\s"'&,;<>)}\]]+)`)
	sensitiveElem = regexp.MustCompile(`(?i)(<[a-z0-9_]*(?:ticket|code|token|secret|aeskey|password)[a-z0-9_]*>)(<!\[CDATA\[)?([^<\]]+)`)
)

// MaskText masks the values of name=value, "name": "value" and <Name>value pairs whose
// name looks like a credential, in free text such as an error message.
func MaskText(s string) string {
	s = sensitiveElem.ReplaceAllStringFunc(s, func(m string) string {
		p := sensitiveElem.FindStringSubmatch(m)
		return p[1] + p[2] + masked(p[3])
	})
	return sensitivePair.ReplaceAllStringFunc(s, func(m string) string {
		p := sensitivePair.FindStringSubmatch(m)
		return p[1] + p[2] + masked(p[3])
	})
}
