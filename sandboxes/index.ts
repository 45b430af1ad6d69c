// lagent-ts/sandboxes: implementations of core's Sandbox contract (the Docker/Jupyter
// sandbox and the isolated-vm sandbox). None is shipped yet; core/sandbox holds the contract.
export {};
