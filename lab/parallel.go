package lab

import (
	"runtime"
	"sync"
)

// inParallel runs f(0) to f(n-1) on a few workers per CPU. Each call may hold an OS thread for itself
// (inside a namespace): a goroutine per call would make the runtime start a thread for each, a thousand
// for a thousand hosts, where a few threads reused do the same work sooner.
func inParallel(n int, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, 4*runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
