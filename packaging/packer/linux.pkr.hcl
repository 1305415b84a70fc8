# Gate a Linux image build on bootready: upload the static binary, check the VM just before it
# is captured, fail the build when the image will not bootstrap, and keep the reports.
#
#   packaging/build                                  # makes dist/bootready-x86_64-linux
#   packer init packaging/packer/linux.pkr.hcl
#   packer build -var cloud=aws packaging/packer/linux.pkr.hcl
#
# The two sources build in parallel (packer build runs every source of a build at once); each
# leaves reports/<source>/bootready.xml (JUnit, for CI) and, when it passes the gate,
# reports/<source>/bootready.json (for aggregating many images, see the README).

packer {
  required_plugins {
    amazon = {
      version = ">= 1.3.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}

variable "cloud" {
  type        = string
  default     = "aws"
  description = "The cloud the image will be launched on (bootready check --cloud)."
}

variable "enforce" {
  type        = bool
  default     = true
  description = "true: a not-ready image fails the build. false: report only (exit 1 accepted)."
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "bootready_binary" {
  type        = string
  default     = "dist/bootready-x86_64-linux"
  description = "The static binary from packaging/build (path relative to where packer runs)."
}

locals {
  stamp = formatdate("YYYYMMDDhhmmss", timestamp())
}

source "amazon-ebs" "centos7" {
  region        = var.region
  instance_type = "t3.small"
  ssh_username  = "centos"
  ami_name      = "centos7-gated-${local.stamp}"
  source_ami_filter {
    filters = {
      name                = "CentOS Linux 7 x86_64*"
      virtualization-type = "hvm"
      root-device-type    = "ebs"
    }
    owners      = ["125523088429"] # the CentOS project
    most_recent = true
  }
}

source "amazon-ebs" "rocky9" {
  region        = var.region
  instance_type = "t3.small"
  ssh_username  = "rocky"
  ami_name      = "rocky9-gated-${local.stamp}"
  source_ami_filter {
    filters = {
      name                = "Rocky-9-EC2-Base-9.*x86_64*"
      virtualization-type = "hvm"
      root-device-type    = "ebs"
    }
    owners      = ["792107900819"] # Rocky Enterprise Software Foundation
    most_recent = true
  }
}

build {
  sources = ["source.amazon-ebs.centos7", "source.amazon-ebs.rocky9"]

  # ... the provisioners that make the image go here; the gate runs last, on the final state.

  provisioner "file" {
    source      = var.bootready_binary
    destination = "/tmp/bootready"
  }

  # bootready check exits 0 when the image is ready, 1 when it is not (a check failed or could
  # not be evaluated), 2 when it could not do its job (bad arguments, unreadable files, bad
  # --policy). Packer fails the build on any exit code outside valid_exit_codes: [0] gates;
  # [0, 1] only reports. Never accept 2: the image was not checked at all.
  provisioner "shell" {
    valid_exit_codes = var.enforce ? [0] : [0, 1]
    inline = [
      "chmod 0755 /tmp/bootready",
      "sudo /tmp/bootready check --cloud ${var.cloud} --format json --output /tmp/bootready.json || test $? -eq 1",
      "sudo /tmp/bootready check --cloud ${var.cloud} --format junit --output /tmp/bootready.xml",
    ]
  }

  provisioner "file" {
    direction   = "download"
    source      = "/tmp/bootready.xml"
    destination = "reports/${source.name}/bootready.xml"
  }

  provisioner "file" {
    direction   = "download"
    source      = "/tmp/bootready.json"
    destination = "reports/${source.name}/bootready.json"
  }

  # Leave no trace of the check in the captured image.
  provisioner "shell" {
    inline = ["sudo rm -f /tmp/bootready /tmp/bootready.xml /tmp/bootready.json"]
  }

  # Runs only when a provisioner failed (the gate, usually): still bring the JUnit report home,
  # so CI shows which check failed and why.
  error-cleanup-provisioner "file" {
    direction   = "download"
    source      = "/tmp/bootready.xml"
    destination = "reports/${source.name}/bootready.xml"
  }
}
