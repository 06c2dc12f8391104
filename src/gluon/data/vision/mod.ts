/**
 * `gluon.data.vision`: image datasets and `transforms`.
 * @module
 */
export {
  CIFAR10,
  CIFAR100,
  type CIFAR100Options,
  FashionMNIST,
  MNIST,
  type VisionDatasetOptions,
} from "./datasets.ts";
export * as transforms from "./transforms.ts";
