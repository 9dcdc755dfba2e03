package scan

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"patchdesk/model/inventory"
)

// parseOSRelease reads /etc/os-release's KEY=value lines.
func parseOSRelease(r io.Reader) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		} else {
			v = strings.Trim(v, `'"`)
		}
		out[k] = v
	}
	return out
}

// parseDpkgStatus reads the installed packages from dpkg's status database.
func parseDpkgStatus(r io.Reader) []inventory.Software {
	var out []inventory.Software
	var cur inventory.Software
	installed := false
	flush := func() {
		if installed && cur.Name != "" {
			cur.Scope = "machine"
			out = append(out, cur)
		}
		cur, installed = inventory.Software{}, false
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a description
		}
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "Package":
			cur.Name = v
		case "Status":
			installed = strings.HasSuffix(v, " installed")
		case "Version":
			cur.Version = v
		case "Maintainer":
			cur.Publisher = v
		case "Architecture":
			cur.Arch = v
		}
	}
	flush()
	return out
}

// parseRPM reads `rpm -qa` output in rpmQueryFormat.
func parseRPM(b []byte) []inventory.Software {
	var out []inventory.Software
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 || f[0] == "" {
			continue
		}
		s := inventory.Software{Name: f[0], Version: f[1], Publisher: f[2], Arch: f[3], Scope: "machine"}
		if f[2] == "(none)" {
			s.Publisher = ""
		}
		if secs, err := strconv.ParseInt(f[4], 10, 64); err == nil {
			s.InstallDate = time.Unix(secs, 0).UTC().Format(time.DateOnly)
		}
		out = append(out, s)
	}
	return out
}

const rpmQueryFormat = `%{NAME}\t%{VERSION}-%{RELEASE}\t%{VENDOR}\t%{ARCH}\t%{INSTALLTIME}\n`

// linuxPackages reads dpkg's database directly and asks rpm for its own, whose format is not
// meant to be read by others.
func linuxPackages(ctx context.Context) []inventory.Software {
	var out []inventory.Software
	if f, err := os.Open("/var/lib/dpkg/status"); err == nil {
		out = append(out, parseDpkgStatus(f)...)
		f.Close()
	}
	if path, err := exec.LookPath("rpm"); err == nil {
		if b, err := exec.CommandContext(ctx, path, "-qa", "--queryformat", rpmQueryFormat).Output(); err == nil {
			out = append(out, parseRPM(b)...)
		}
	}
	return out
}

// bootTime reads the boot time from /proc/stat's btime line.
func bootTime(stat []byte) time.Time {
	for _, line := range bytes.Split(stat, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			if secs, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); err == nil {
				return time.Unix(secs, 0).UTC()
			}
		}
	}
	return time.Time{}
}

// linuxLanguage is the system locale from /etc/default/locale or /etc/locale.conf.
func linuxLanguage() string {
	for _, p := range []string{"/etc/default/locale", "/etc/locale.conf"} {
		if f, err := os.Open(p); err == nil {
			kv := parseOSRelease(f)
			f.Close()
			if l := posixLanguage(kv["LANG"]); l != "" {
				return l
			}
		}
	}
	return posixLanguage(os.Getenv("LANG"))
}

// resolvDomain is the DNS domain from resolv.conf's domain or first search entry.
func resolvDomain(r io.Reader) string {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && (f[0] == "domain" || f[0] == "search") {
			return f[1]
		}
	}
	return ""
}
