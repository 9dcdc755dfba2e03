package scan

import (
	"encoding/xml"
	"io"
)

// parsePlist reads the top-level string values of an XML property list; binary plists give
// nothing (macOS support is best effort).
func parsePlist(r io.Reader) map[string]string {
	out := map[string]string{}
	dec := xml.NewDecoder(r)
	depth, key, inKey, inString := 0, "", false, false
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			inKey = t.Name.Local == "key" && depth == 3
			inString = t.Name.Local == "string" && depth == 3
		case xml.EndElement:
			depth--
			inKey, inString = false, false
		case xml.CharData:
			switch {
			case inKey:
				key = string(t)
			case inString && key != "":
				out[key] = string(t)
				key = ""
			}
		}
	}
}
