// What every dashboard writer is: a subscriber on the run's events that can be closed.

export interface Subscribable<E> {
  on(listener: (event: E) => void): () => void;
}

export interface Dashboard {
  /** Stops listening and writes what is left (MLflow copies the run's artifacts). */
  close(): Promise<void>;
}
