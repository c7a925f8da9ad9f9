package guest

// LabNamespace finds the network namespace of a lab's host in the guest, checked to be the one the lab
// made, from the request's environment (which names the labs' state folder), for the agent to run a
// request's command there (ExecRequest.Lab and Host). It runs with the command's root: the host's files
// and the guest's own /run.
type LabNamespace func(env []string, lab, host string) (string, error)
