package bootload

const sysFinitModule = 313
