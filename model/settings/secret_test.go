package settings

import (
	"context"
	"strings"
	"testing"

	"patchdesk/model"
)

func TestSecretIsSealedMaskedAndAudited(t *testing.T) {
	s, env := testEnv(t)
	ctx := context.Background()
	const pw = " correct horse "
	if _, err := Save(ctx, s.DB, env, "admin", map[string]string{KeyRunWithRights: "specified_user", KeyRunAsUser: `CORP\patcher`, KeyRunAsPassword: pw}); err != nil {
		t.Fatal(err)
	}
	v, err := Load(ctx, s.DB, env)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(v.Raw(KeyRunAsPassword), "horse") {
		t.Fatalf("stored in plain text: %q", v.Raw(KeyRunAsPassword))
	}
	if got, err := v.Secret(KeyRunAsPassword); err != nil || got != pw {
		t.Fatalf("Secret = %q, %v; want the password with its spaces", got, err)
	}
	if got := v.Typed(KeyRunAsPassword); got != "(set)" {
		t.Errorf("shown as %v", got)
	}
	var audit []model.AuditEntry
	s.DB.Where("object = ?", "setting:"+KeyRunAsPassword).Find(&audit)
	if len(audit) != 1 || strings.Contains(audit[0].Detail, "horse") || strings.Contains(audit[0].Detail, "sealed") {
		t.Fatalf("audit: %+v", audit)
	}

	// The stored value handed back (a form saved again) and the same password are no change.
	for _, same := range []string{v.Raw(KeyRunAsPassword), pw} {
		if changed, err := Save(ctx, s.DB, env, "admin", map[string]string{KeyRunAsPassword: same}); err != nil || len(changed) != 0 {
			t.Errorf("saving %q again: changed %v, %v", same, changed, err)
		}
	}
	// A sealed value that is not the stored one is refused, not stored.
	if _, err := Save(ctx, s.DB, env, "admin", map[string]string{KeyRunAsPassword: "sealed:v1:AAAA"}); err == nil {
		t.Error("a foreign sealed value was accepted")
	}
	if _, err := Save(ctx, s.DB, env, "admin", map[string]string{KeyRunAsPassword: "two\nlines"}); err == nil {
		t.Error("a two-line password was accepted")
	}
	if _, err := Reset(ctx, s.DB, env, "admin", KeyRunAsPassword); err != nil {
		t.Fatal(err)
	}
	v, _ = Load(ctx, s.DB, env)
	if got, err := v.Secret(KeyRunAsPassword); err != nil || got != "" || v.Typed(KeyRunAsPassword) != "" {
		t.Errorf("after reset: %q %v %v", got, err, v.Typed(KeyRunAsPassword))
	}
}
