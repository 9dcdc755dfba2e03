package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"patchdesk/model"
)

// adminCmd manages the administrator accounts that sign in to the browser pages.
func adminCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Administrator accounts for the browser pages (/dashboard, /reports)"}
	cmd.AddCommand(&cobra.Command{
		Use:   "add NAME",
		Short: "Create an administrator, or set a new password (which signs its browsers out)",
		Long: "Asks for the password twice on a terminal; reads it from the first line of standard\n" +
			"input otherwise (echo \"$PW\" | patchdesk admin add alice). At least " + fmt.Sprint(model.MinAdminPassword) + " characters.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			password, err := readNewPassword(cmd.InOrStdin(), cmd.ErrOrStderr(), args[0])
			if err != nil {
				return err
			}
			e, err := openEnv(cmd.Context(), g, "cli")
			if err != nil {
				return err
			}
			defer e.Close()
			created, err := e.store.SetAdminPassword(cmd.Context(), e.actor(), args[0], password)
			if err != nil {
				return err
			}
			if created {
				fmt.Fprintf(cmd.OutOrStdout(), "Administrator %s added.\n", args[0])
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "Password of %s changed; its browser sessions are signed out.\n", args[0])
			}
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the administrators",
		Args:  cobra.NoArgs,
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			admins, err := e.store.Admins(cmd.Context())
			if err != nil {
				return err
			}
			t := &table{header: []string{"NAME", "CREATED", "LAST SIGN-IN"}}
			for _, a := range admins {
				last := "never"
				if a.LastSignInAt != nil {
					last = a.LastSignInAt.Local().Format(time.DateTime)
				}
				t.add(a.Name, a.CreatedAt.Local().Format(time.DateTime), last)
			}
			if admins == nil {
				admins = []model.Admin{}
			}
			return emit(cmd.OutOrStdout(), g, admins, t)
		}),
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "remove NAME",
		Short: "Remove an administrator and sign out its browsers",
		Args:  cobra.ExactArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			return e.store.RemoveAdmin(cmd.Context(), e.actor(), args[0])
		}),
	})
	return cmd
}

// readNewPassword prompts twice without echo on a terminal, or reads one line from a pipe.
func readNewPassword(in io.Reader, prompt io.Writer, name string) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(prompt, "New password for %s: ", name)
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if err := model.ValidateAdminPassword(string(first)); err != nil {
			return "", err
		}
		fmt.Fprint(prompt, "Again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(first) != string(second) {
			return "", errors.New("the passwords differ; nothing was changed")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
