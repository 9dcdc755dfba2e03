package jobs

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// MSRC publishes one CVRF document per month (the Security Update Guide). The reader streams
// it: products and vulnerabilities are decoded one element at a time, never the whole tree.

const (
	cvrfNSPrefix = "http://www.icasi.org/CVRF/schema/"
	maxCVRFSize  = 256 << 20
)

// cvrfDoc is what PatchDesk takes from one monthly document.
type cvrfDoc struct {
	Name     string // file name, for errors and sources
	ID       string // "2024-Jan"
	Title    string
	Initial  time.Time
	Current  time.Time
	Products map[string]cvrfProduct // by ProductID
	Vulns    []cvrfVuln
}

type cvrfProduct struct {
	ID, Name, Family string
}

type cvrfVuln struct {
	CVE     string `xml:"CVE"`
	Title   string `xml:"Title"`
	Threats []struct {
		Type        string   `xml:"Type,attr"`
		Description string   `xml:"Description"`
		ProductIDs  []string `xml:"ProductID"`
	} `xml:"Threats>Threat"`
	Remediations []cvrfRemediation `xml:"Remediations>Remediation"`
}

type cvrfRemediation struct {
	Type            string   `xml:"Type,attr"`
	Description     string   `xml:"Description"`
	URL             string   `xml:"URL"`
	Supercedence    string   `xml:"Supercedence"`
	ProductIDs      []string `xml:"ProductID"`
	RestartRequired string   `xml:"RestartRequired"`
	SubType         string   `xml:"SubType"`
	FixedBuild      string   `xml:"FixedBuild"`
}

type cvrfTracking struct {
	ID      string `xml:"Identification>ID"`
	Initial string `xml:"InitialReleaseDate"`
	Current string `xml:"CurrentReleaseDate"`
}

// readCVRF parses one CVRF document. Errors name the file and the element at fault.
func readCVRF(ctx context.Context, name string, r io.Reader) (*cvrfDoc, error) {
	lr := &limitedReader{r: r, n: maxCVRFSize}
	dec := xml.NewDecoder(lr)
	doc := &cvrfDoc{Name: name, Products: map[string]cvrfProduct{}}
	fail := func(element string, err error) (*cvrfDoc, error) {
		line, _ := dec.InputPos()
		return nil, fmt.Errorf("%s: line %d: %s: %w", name, line, element, lr.explain(err))
	}
	var (
		rootSeen, trackingSeen bool
		families               []string // Branch Type="Product Family" names, innermost last
		branchFamily           []bool   // per open Branch: whether it pushed a family
	)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail("XML", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !rootSeen {
				if t.Name.Local != "cvrfdoc" || !strings.HasPrefix(t.Name.Space, cvrfNSPrefix) {
					return nil, fmt.Errorf("%s: root element is %s %q, not a CVRF cvrfdoc", name, t.Name.Space, t.Name.Local)
				}
				rootSeen = true
				continue
			}
			if !strings.HasPrefix(t.Name.Space, cvrfNSPrefix) {
				continue
			}
			switch t.Name.Local {
			case "DocumentTitle":
				if err := dec.DecodeElement(&doc.Title, &t); err != nil {
					return fail("DocumentTitle", err)
				}
			case "DocumentTracking":
				var tr cvrfTracking
				if err := dec.DecodeElement(&tr, &t); err != nil {
					return fail("DocumentTracking", err)
				}
				doc.ID = strings.TrimSpace(tr.ID)
				if doc.Initial, err = parseCVRFTime(tr.Initial); err != nil {
					return fail("DocumentTracking/InitialReleaseDate", err)
				}
				if doc.Current, err = parseCVRFTime(tr.Current); err != nil {
					return fail("DocumentTracking/CurrentReleaseDate", err)
				}
				trackingSeen = true
			case "Branch":
				isFamily := false
				for _, a := range t.Attr {
					if a.Name.Local == "Type" && a.Value == "Product Family" {
						isFamily = true
					}
				}
				if isFamily {
					families = append(families, attr(t, "Name"))
				}
				branchFamily = append(branchFamily, isFamily)
			case "FullProductName":
				var p struct {
					ID   string `xml:"ProductID,attr"`
					Name string `xml:",chardata"`
				}
				if err := dec.DecodeElement(&p, &t); err != nil {
					return fail("FullProductName", err)
				}
				p.ID, p.Name = strings.TrimSpace(p.ID), strings.Join(strings.Fields(p.Name), " ")
				if p.ID == "" || p.Name == "" {
					return fail("FullProductName", fmt.Errorf("ProductID or name is empty"))
				}
				prod := doc.Products[p.ID]
				prod.ID, prod.Name = p.ID, p.Name
				if len(families) > 0 && prod.Family == "" {
					prod.Family = families[len(families)-1]
				}
				doc.Products[p.ID] = prod
			case "Vulnerability":
				var v cvrfVuln
				if err := dec.DecodeElement(&v, &t); err != nil {
					return fail("Vulnerability", err)
				}
				v.CVE = strings.TrimSpace(v.CVE)
				if v.CVE == "" {
					return fail(fmt.Sprintf("Vulnerability %d", len(doc.Vulns)+1), fmt.Errorf("CVE is missing"))
				}
				doc.Vulns = append(doc.Vulns, v)
			}
		case xml.EndElement:
			if t.Name.Local == "Branch" && strings.HasPrefix(t.Name.Space, cvrfNSPrefix) && len(branchFamily) > 0 {
				if branchFamily[len(branchFamily)-1] {
					families = families[:len(families)-1]
				}
				branchFamily = branchFamily[:len(branchFamily)-1]
			}
		}
	}
	switch {
	case !rootSeen:
		return nil, fmt.Errorf("%s: empty document, not CVRF", name)
	case !trackingSeen || doc.ID == "":
		return nil, fmt.Errorf("%s: DocumentTracking/Identification/ID is missing", name)
	case doc.Initial.IsZero():
		return nil, fmt.Errorf("%s: DocumentTracking/InitialReleaseDate is missing", name)
	}
	if doc.Current.IsZero() {
		doc.Current = doc.Initial
	}
	for _, v := range doc.Vulns {
		for _, rem := range v.Remediations {
			for _, pid := range rem.ProductIDs {
				if _, ok := doc.Products[strings.TrimSpace(pid)]; !ok && rem.Type == "Vendor Fix" {
					return nil, fmt.Errorf("%s: Vulnerability %s: Remediation %q names ProductID %q that the ProductTree does not list", name, v.CVE, rem.Description, pid)
				}
			}
		}
	}
	return doc, nil
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// parseCVRFTime reads MSRC's dates, which come with and without a trailing Z.
func parseCVRFTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", s)
}
