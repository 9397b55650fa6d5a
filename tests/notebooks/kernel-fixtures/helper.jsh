// Loaded by %load in the kernel test notebook.
int loadedValue() {
    return 7 * 6;
}
String loadedBy = "helper.jsh";
