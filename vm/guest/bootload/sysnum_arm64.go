package bootload

const sysFinitModule = 273
