// Package fds keeps the descriptors a process inherited out of the programs it starts.
package fds
