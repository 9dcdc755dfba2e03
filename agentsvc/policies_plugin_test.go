package agentsvc

import (
	"context"
	"testing"

	"patchdesk/model/settings"
)

// The run-as password goes to agents only when they are to use it.
func TestPluginSettingsSendPasswordOnlyForSpecifiedUser(t *testing.T) {
	ctx := context.Background()
	_, src := openTestStore(t)
	plugin := func() string {
		t.Helper()
		v, err := src.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := pluginSettings(v)
		if err != nil {
			t.Fatal(err)
		}
		return ps.RunAsPassword
	}
	if _, err := src.Save(ctx, "t", map[string]string{settings.KeyRunAsUser: `CORP\patcher`, settings.KeyRunAsPassword: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	if got := plugin(); got != "" {
		t.Errorf("with rights system the agent got password %q", got)
	}
	if _, err := src.Save(ctx, "t", map[string]string{settings.KeyRunWithRights: "specified_user"}); err != nil {
		t.Fatal(err)
	}
	if got := plugin(); got != "s3cret" {
		t.Errorf("with specified_user the agent got password %q", got)
	}
}
