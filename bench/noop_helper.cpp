// The tiny program posix_spawn starts in the floor benchmark.
int main() { return 0; }
