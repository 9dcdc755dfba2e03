package model

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// The Remediation Center's Export action writes bulletin information as XML, the format the
// guide names. The element names follow the JSON field names of the CLI.

type xmlExport struct {
	XMLName   xml.Name      `xml:"bulletins"`
	Generator string        `xml:"generator,attr"`
	Exported  time.Time     `xml:"exported,attr"`
	Bulletins []xmlBulletin `xml:"bulletin"`
}

type xmlBulletin struct {
	ID             string      `xml:"id,attr"`
	Vendor         string      `xml:"vendor"`
	Software       string      `xml:"software"`
	Title          string      `xml:"title"`
	Description    string      `xml:"description"`
	Severity       string      `xml:"severity"`
	CustomSeverity string      `xml:"custom_severity,omitempty"`
	Released       time.Time   `xml:"released"`
	Revised        time.Time   `xml:"revised"`
	Superseded     bool        `xml:"superseded"`
	Disabled       bool        `xml:"disabled"`
	CVEs           []xmlCVE    `xml:"cves>cve"`
	Supersedes     []string    `xml:"supersedes>bulletin"`
	SupersededBy   []string    `xml:"superseded_by>bulletin"`
	Updates        []xmlUpdate `xml:"updates>update"`
}

type xmlCVE struct {
	ID       string `xml:"id,attr"`
	Severity string `xml:"severity,attr,omitempty"`
	Title    string `xml:",chardata"`
}

type xmlUpdate struct {
	ID             string   `xml:"id,attr"`
	Name           string   `xml:"name"`
	KB             string   `xml:"kb,omitempty"`
	Product        string   `xml:"product"`
	Language       string   `xml:"language,omitempty"`
	Architecture   string   `xml:"architecture,omitempty"`
	URL            string   `xml:"url"`
	ManualDownload bool     `xml:"manual_download"`
	FileName       string   `xml:"file_name,omitempty"`
	Size           int64    `xml:"size,omitempty"`
	SHA256         string   `xml:"sha256,omitempty"`
	CommandLine    string   `xml:"command_line,omitempty"`
	SuccessCodes   []int    `xml:"success_codes>code"`
	Restart        string   `xml:"restart,omitempty"`
	Supersedes     []string `xml:"supersedes>update"`
	SupersededBy   string   `xml:"superseded_by,omitempty"`
	Applicable     string   `xml:"applicable_rule,omitempty"`
	Installed      string   `xml:"installed_rule,omitempty"`
}

// ExportBulletins writes the bulletins with their CVEs, supersedence and updates as XML.
func (s *Store) ExportBulletins(ctx context.Context, w io.Writer, ids []string) error {
	doc := xmlExport{Generator: "PatchDesk", Exported: time.Now().UTC().Truncate(time.Second)}
	for _, id := range uniqueIDs(ids) {
		d, err := s.Bulletin(ctx, id)
		if err != nil {
			return fmt.Errorf("export bulletins: %w", err)
		}
		ups, err := s.BulletinUpdates(ctx, id)
		if err != nil {
			return fmt.Errorf("export bulletins: %w", err)
		}
		b := xmlBulletin{ID: d.ID, Vendor: d.Vendor, Software: d.Software, Title: d.Title, Description: d.Description,
			Severity: d.Severity, CustomSeverity: d.CustomSeverity, Released: d.Released, Revised: d.Revised,
			Superseded: d.Superseded, Disabled: d.Disabled, Supersedes: d.Supersedes, SupersededBy: d.SupersededBy}
		for _, c := range d.CVEDetails {
			b.CVEs = append(b.CVEs, xmlCVE{ID: c.ID, Severity: c.Severity, Title: c.Title})
		}
		for _, u := range ups {
			b.Updates = append(b.Updates, xmlUpdate{ID: u.ID, Name: u.Name, KB: u.KB, Product: u.Product, Language: u.Language,
				Architecture: u.Architecture, URL: u.URL, ManualDownload: u.ManualDownload, FileName: u.FileName, Size: u.Size,
				SHA256: u.SHA256, CommandLine: u.CommandLine, SuccessCodes: u.SuccessCodes, Restart: u.Restart,
				Supersedes: u.Supersedes, SupersededBy: u.SupersededBy, Applicable: string(u.Applicable), Installed: string(u.Installed)})
		}
		doc.Bulletins = append(doc.Bulletins, b)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("export bulletins: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("export bulletins: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("export bulletins: %w", err)
	}
	return nil
}
