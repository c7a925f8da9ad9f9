package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvslab/lvslab/labs"
	"github.com/lvslab/lvslab/topology"
	"github.com/lvslab/lvslab/tutorial"
	"github.com/lvslab/lvslab/tutorial/runner"
	"github.com/lvslab/lvslab/vm"
)

func newTutorialCommand() *cobra.Command {
	var langFlag, name string
	var check, reset bool
	var from int
	cmd := &cobra.Command{
		Use:   "tutorial [nat|dr|tun] [--name NAME] [--lang en|zh] [--reset] [--from N] [--check]",
		Short: "Learn LVS by hand: the NAT course as steps you type, each checked against the kernel",
		Long: `Bring up the course's lab in the state the course starts from (for nat: the director's ip_forward at 0,
no IPVS rules) and show one step at a time: what to do and why, and the commands to type in another
terminal (lvslab shell director, lvslab exec client -- ...). Each step is checked against the lab's real
state — the kernel's IPVS table, sysctls, what the real servers served, the rules file you saved — so
any correct way of doing it passes; when it is done, the tutorial says what you should have seen and
moves on. When the state shows one of the course's classic mistakes (a real server added without -m or
on the wrong port, ip_forward still 0, the wrong VIP, a UDP service, wrr before rr, a weight on the
wrong server, the table cleared before it was saved, rules cleared but not restored), a hint says what
is wrong and how to see it. A rules file is judged only once the command writing it has finished.
Type hint for what the lab shows wrong now, solve for the commands (and the way back, when a step's
work was undone), quit to stop (progress is kept).

Courses: nat (the LVS NAT course, 11 steps, and a 12th beyond it: a real server that dies), dr and tun (shorter follow-ups). Text in English or
Simplified Chinese: --lang, else $LANG. Where this kernel has no IPVS the lab lives in a microVM.
The lab is named after the course (nat-tutorial); --name gives it another name, so that several
learners on one machine each have a lab and progress of their own (the commands shown then carry
--lab NAME). Progress survives a closed terminal; --reset takes the lab down and starts over; --from N
starts at step N, its earlier steps solved in the lab first (for a learner who fell behind, or a machine
that crashed: --reset --from N on a fresh lab); lvslab
tutorial status [--name NAME] [--json] says which steps are done (for a teacher collecting a
workshop's progress).

--check runs every step's solution itself, makes every hint fire with the mistake it names, and widens
the race of a rules file created empty before it is written: the course tests itself (make test runs it).`,
		Example: `  sudo lvslab tutorial                 # the NAT course
  sudo lvslab tutorial --lang zh
  sudo lvslab shell director           # in a second terminal, from the same folder
  sudo lvslab tutorial --name alice    # a second learner on the same machine: a lab of her own
  sudo lvslab shell --lab alice director
  sudo lvslab tutorial --from 7         # rs3 removed and wrr set: the weights are next
  sudo lvslab tutorial status --json
  sudo lvslab tutorial --check`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lang, err := tutorial.LangFrom(langFlag, firstEnv("LC_ALL", "LANG"))
			if err != nil {
				return unusable(err)
			}
			courses, err := selectCourses(args, check)
			if err != nil {
				return unusable(err)
			}
			if check {
				if cmd.Flags().Changed("name") || reset || cmd.Flags().Changed("from") {
					return unusable(errors.New("--check runs every step in labs of its own: leave out --name, --reset and --from"))
				}
				if ran, err := maybeInVM(cmd, args, nil); ran {
					return err
				}
				failures, err := runner.Check(cmd.Context(), courses, cmd.OutOrStdout(), cmd.ErrOrStderr())
				switch {
				case err != nil:
					return unusable(err)
				case failures > 0:
					return failed(fmt.Errorf("%d checks of the tutorial failed", failures))
				}
				return nil
			}
			sc, err := courseScreen(cmd, courses[0], lang, name)
			if err != nil {
				return unusable(err)
			}
			if cmd.Flags().Changed("from") {
				if err := runner.CheckFrom(courses[0], from); err != nil {
					return unusable(err) // before anything boots
				}
			}
			if reset {
				if err := runner.Reset(cmd.Context(), sc); err != nil {
					return unusable(err)
				}
			}
			machine, err := tutorialMachine(cmd)
			if err != nil {
				return unusable(err)
			}
			if err := runner.Run(cmd.Context(), sc, machine, from, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()); err != nil {
				return unusable(err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&langFlag, "lang", "", "en or zh (default: from $LANG)")
	cmd.Flags().StringVar(&name, "name", "", "the lab's name, and its progress's (default: the course's lab, nat-tutorial)")
	cmd.Flags().BoolVar(&check, "check", false, "run every step's solution and mistakes, and check that each step and hint fires")
	cmd.Flags().BoolVar(&reset, "reset", false, "take the course's lab down and start over")
	cmd.Flags().IntVar(&from, "from", 0, "start at step N (1 is the first), the steps before it solved in the lab first")
	addVMFlag(cmd)
	cmd.AddCommand(newTutorialStatusCommand(), newTutorialSnapshotCommand())
	return cmd
}

// courseScreen is the screen of a course's lab: named by --name (checked here, before anything boots),
// else the course's own.
func courseScreen(cmd *cobra.Command, c *tutorial.Course, lang tutorial.Lang, name string) (tutorial.Screen, error) {
	sc := tutorial.Screen{Lang: lang, Course: c, Lab: c.Lab}
	if !cmd.Flags().Changed("name") {
		return sc, nil
	}
	sc.Lab = name
	if err := topology.ValidateName(name); err != nil {
		return sc, errors.New(sc.BadName(err))
	}
	return sc, nil
}

func firstEnv(keys ...string) string {
	for _, k := range keys {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// selectCourses is the course named, nat by default, or for --check every course when none is named.
func selectCourses(args []string, all bool) ([]*tutorial.Course, error) {
	if len(args) == 0 && all {
		return tutorial.Courses(), nil
	}
	name := "nat"
	if len(args) == 1 {
		name = args[0]
	}
	c, err := tutorial.Find(name)
	if err != nil {
		return nil, err
	}
	return []*tutorial.Course{c}, nil
}

// tutorialMachine decides, by --vm, whether the course's lab lives in a microVM, and says how it boots
// (nil: natively).
func tutorialMachine(cmd *cobra.Command) (*labs.Machine, error) {
	d, err := decide(cmd, labs.Needs{IPVS: true})
	if d.WithoutIPVS {
		return nil, errors.New("--vm=never, but this kernel has no IPVS, which the course needs: leave --vm out to run the lab in a microVM")
	}
	if err != nil || !d.InVM {
		return nil, err
	}
	m := vmMachine(cmd, "")
	return &m, nil
}

// labPlace is where this machine runs a course's lab, for a teacher's table of a workshop's laptops:
// natively, or in a microVM of which architecture, under which accelerator and why.
type labPlace struct {
	MicroVM bool   `json:"microvm"`
	Reason  string `json:"reason,omitempty"` // why in a microVM
	Arch    string `json:"arch,omitempty"`   // the guest's
	Accel   string `json:"accel,omitempty"`  // kvm or tcg, as the machine would try first
	Why     string `json:"accel_why,omitempty"`
	Error   string `json:"error,omitempty"` // what keeps the microVM from booting here
}

func whereLabsRun() labPlace {
	d, err := labs.Decide(labs.Auto, labs.Needs{IPVS: true})
	if err != nil || !d.InVM {
		return labPlace{}
	}
	p := labPlace{MicroVM: true, Reason: d.Reason}
	opts := labs.VMOptions(labs.Machine{}, nil)
	if p.Arch, err = vm.GuestArch(opts.Arch, opts.Package); err == nil {
		p.Accel, p.Why, err = vm.PlannedAccel(opts)
	}
	if err != nil {
		p.Error = err.Error()
	}
	return p
}

func newTutorialStatusCommand() *cobra.Command {
	var asJSON bool
	var langFlag, name string
	cmd := &cobra.Command{
		Use:   "status [nat|dr|tun] [--name NAME] [--json] [--lang en|zh]",
		Short: "Which steps of a course are done on this machine",
		Example: `  lvslab tutorial status
  lvslab tutorial status nat --name alice --lang zh
  lvslab tutorial status --json        # with this machine's name, for a teacher`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			courses, err := selectCourses(args, len(args) == 0)
			if err != nil {
				return unusable(err)
			}
			lang, err := tutorial.LangFrom(langFlag, firstEnv("LC_ALL", "LANG"))
			if err != nil {
				return unusable(err)
			}
			host, _ := os.Hostname()
			var out []runner.CourseStatus
			var text strings.Builder
			for _, c := range courses {
				sc, err := courseScreen(cmd, c, lang, name)
				if err != nil {
					return unusable(err)
				}
				cs, t, err := runner.Status(sc)
				if err != nil {
					return unusable(err)
				}
				out = append(out, cs)
				text.WriteString(t)
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"host": host, "os": runtime.GOOS, "arch": runtime.GOARCH,
					"lab": whereLabsRun(), "courses": out})
			}
			fmt.Fprint(cmd.OutOrStdout(), text.String())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print it as JSON, with this machine's name")
	cmd.Flags().StringVar(&langFlag, "lang", "", "en or zh (default: from $LANG)")
	cmd.Flags().StringVar(&name, "name", "", "the lab's name given to lvslab tutorial --name (default: the course's own)")
	return cmd
}

// newTutorialSnapshotCommand prints a course lab's state as JSON: how a tutorial on the host reads a lab
// that lives in a microVM (and whether a process there holds the rules file open for writing).
func newTutorialSnapshotCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:    "snapshot COURSE --lab NAME [--saved PATH]",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, _ := cmd.Flags().GetString("lab")
			saved, _ := cmd.Flags().GetString("saved")
			snap, err := runner.Snapshot(cmd.Context(), name, saved)
			if err != nil {
				return unusable(err)
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(snap)
		},
	}
	addLabFlag(cmd)
	cmd.Flags().String("saved", "", "the rules file whose writers to look for")
	return cmd
}
