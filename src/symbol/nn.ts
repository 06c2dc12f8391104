/** Neural-network operator constructors (filled in with the NN operators). @module */
export {};
